"""The notifications service's entrypoints."""

from services.common import service as common


class NotificationsService(common.ServiceBase):
    name = "notifications"
