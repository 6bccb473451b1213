"""The appointments service's entrypoints."""

from services.common import service as common


class AppointmentsService(common.ServiceBase):
    name = "appointments"
