"""A service's record of its dead letters replayed or discarded by an administrator.

A dead letter belongs to the service whose handler queue it failed in
(services/common/dead_letters.py `owner`). The gateway acts on the broker's queue, but the
record of the act belongs with the rest of that service's administrators' changes: each
service mixes this in and writes the row in its own audit trail, with who from the verified
caller, as every other change there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Table

from services.common import audit
from services.common.dead_letters import DISCARDED, REPLAYED
from services.common.identity import ADMIN
from services.common.loading import Strict, load
from services.common.rpc_entrypoint import rpc

if TYPE_CHECKING:
    from services.common.database import UnitOfWork
    from services.common.identity import Caller

DEAD_LETTER = "dead_letter"


class DeadLetterAct(Strict):
    letter_id = fields.String(
        required=True,
        validate=validate.Length(1, audit.KEY_LENGTH),
        metadata={"description": "the dead letter's id: its queue / its message id"},
    )
    action = fields.String(
        required=True,
        validate=validate.OneOf((REPLAYED, DISCARDED)),
        metadata={"description": "replayed or discarded"},
    )
    before = fields.Dict(
        required=True,
        metadata={"description": "the letter as it was: queue, event type, headers, body excerpt"},
    )
    after = fields.Dict(
        required=True, metadata={"description": "where it went: replayed_to, or discarded"}
    )


class DeadLetterTrailQuery(Strict):
    limit = fields.Integer(
        strict=True,
        load_default=20,
        validate=validate.Range(1, audit.MAX_PAGE),
        metadata={"description": "how many records, newest first"},
    )
    before = fields.Integer(
        strict=True,
        load_default=None,
        validate=validate.Range(min=1),
        metadata={"description": "next_cursor of the previous page"},
    )


class Recorded(Schema):
    recorded = fields.String(required=True, metadata={"description": "the dead letter's id"})


class DeadLetterTrail:
    """Mixed into a service class beside `ServiceBase` (its `db` and `caller`)."""

    # the table of the service's audit trail
    dead_letter_audit_table: Table = audit.audit_trail
    # what `ServiceBase`'s dependencies give a worker
    db: UnitOfWork
    caller: Caller

    @rpc(roles=ADMIN, answers=Recorded)
    def record_dead_letter(self, act: dict[str, Any]) -> dict[str, Any]:
        """Keep an administrator's act on one of this service's dead letters in the audit
        trail: the letter as it was (queue, event type, headers, error, a part of the body)
        and where it went (replayed to its queue, or discarded). The gateway calls it before
        it acts."""
        asked = load(DeadLetterAct, act)
        with self.db.transaction() as tx:
            audit.record(
                tx.session,
                self.caller,
                datetime.now(UTC),
                entity=DEAD_LETTER,
                key=asked["letter_id"],
                action=asked["action"],
                before=asked["before"],
                after=asked["after"],
                table=self.dead_letter_audit_table,
            )
        return {"recorded": asked["letter_id"]}

    @rpc(roles=ADMIN, answers=audit.AuditPage)
    def dead_letter_trail(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        """This service's dead letters replayed or discarded, newest first: who, when, the
        letter as it was and where it went."""
        asked = load(DeadLetterTrailQuery, query or {})
        with self.db.transaction() as tx:
            return audit.changes(
                tx.session,
                {**asked, "entities": [DEAD_LETTER], "key": None},
                self.dead_letter_audit_table,
            )
