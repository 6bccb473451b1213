"""The applications service's entrypoints."""

from services.common import service as common


class ApplicationsService(common.ServiceBase):
    name = "applications"
