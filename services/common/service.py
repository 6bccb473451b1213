"""What every service has: its database, the request context, metrics, a health RPC, and the
sweeps that forget old idempotency keys, published events and inbox rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from marshmallow import Schema, fields

from services.common import idempotency, outbox
from services.common.context import RequestContext
from services.common.database import Database, forget_handled, forget_in_batches
from services.common.metrics import WorkerMetrics
from services.common.rpc_entrypoint import rpc
from services.common.settings import InboxSettings, OutboxSettings
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

    @every(interval=lambda: idempotency.SWEEP_SECONDS)
    def forget_old_plumbing(self) -> None:
        """Events published more than OUTBOX.kept_days ago and inbox rows older than
        INBOX.kept_days go, a batch per transaction (each instance may sweep: the same rows
        go)."""
        now = datetime.now(UTC)
        published = now - timedelta(days=OutboxSettings.from_config().kept_days)
        forget_in_batches(self.db, outbox.forget_published, published)
        handled = now - timedelta(days=InboxSettings.from_config().kept_days)
        forget_in_batches(self.db, forget_handled, handled)
