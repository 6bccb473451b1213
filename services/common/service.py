"""What every service has: its database, the request context, metrics, and a health RPC."""

from __future__ import annotations

from typing import Any

from services.common.context import RequestContext
from services.common.database import Database
from services.common.metrics import WorkerMetrics
from services.common.rpc_entrypoint import rpc


class ServiceBase:
    db = Database()
    caller = RequestContext()
    metrics = WorkerMetrics()

    @rpc
    def health(self) -> dict[str, Any]:
        try:
            self.db.ping()
            database = "ok"
        except Exception as error:
            database = f"unavailable: {type(error).__name__}"
        return {"status": "ok" if database == "ok" else "degraded", "database": database}
