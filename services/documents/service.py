"""The documents service's entrypoints."""

from services.common import service as common


class DocumentsService(common.ServiceBase):
    name = "documents"
