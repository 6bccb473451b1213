"""What every service has: its database, the request context, metrics, a health RPC, and the
sweep that forgets old idempotency keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, fields

from services.common import idempotency
from services.common.context import RequestContext
from services.common.database import Database
from services.common.metrics import WorkerMetrics
from services.common.rpc_entrypoint import rpc
from services.common.timers import every


class Health(Schema):
    status = fields.String(required=True, metadata={"description": "ok or degraded"})
    database = fields.String(required=True, metadata={"description": "ok, or why not"})


class ServiceBase:
    db = Database()
    caller = RequestContext()
    metrics = WorkerMetrics()

    @rpc(answers=Health)
    def health(self) -> dict[str, Any]:
        try:
            self.db.ping()
            database = "ok"
        except Exception as error:
            database = f"unavailable: {type(error).__name__}"
        return {"status": "ok" if database == "ok" else "degraded", "database": database}

    @every(interval=lambda: idempotency.SWEEP_SECONDS)
    def forget_idempotency_keys(self) -> None:
        """Keys older than idempotency.KEPT answer no more (each instance may sweep: the
        same rows go)."""
        with self.db.transaction() as tx:
            idempotency.forget(tx.session, datetime.now(UTC) - idempotency.KEPT)
