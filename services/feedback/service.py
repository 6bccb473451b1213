"""The feedback service's entrypoints."""

from services.common import service as common


class FeedbackService(common.ServiceBase):
    name = "feedback"
