"""A citizen submits an application: checked, numbered, recorded and announced once.

Sent again with the same idempotency key (after a lost answer), it answers the case the
first one made, as it is now. The form and the attachments are checked (the attachments
with the documents service) before the transaction that records the case, so no lock is
held while the documents service answers; two requests with the same key that race each
other make one case, and the later one answers it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.applications import drafts, payloads, records, submission
from services.applications.catalogue import INITIAL, ApplicationType
from services.applications.errors import InvalidForm
from services.applications.events import APPLICATION_SUBMITTED
from services.applications.models import CaseRow
from services.applications.use_cases.ports import Documents, Types
from services.applications.use_cases.reading import case_view
from services.common.business_metrics import count_application
from services.common.clock import Clock
from services.common.context import Caller
from services.common.database import Transaction, UnitOfWork
from services.common.errors import InvalidInput, ServiceError
from services.common.idempotency import Keyed, Once


@dataclass(frozen=True)
class SubmitApplication:
    caller: Caller
    application: dict[str, Any]  # schemas.Submission, loaded, without the idempotency key
    idempotency_key: str | None = None

    @classmethod
    def of(
        cls, caller: Caller, loaded: dict[str, Any], idempotency_key: str | None
    ) -> SubmitApplication:
        """The command from a loaded submission and the key of the request's header."""
        application = dict(loaded)
        in_body = application.pop("idempotency_key", None)  # the older way to send it
        key = in_body if idempotency_key is None else idempotency_key  # a header wins
        return cls(caller, application, key)


def submit_application(
    command: SubmitApplication,
    uow: UnitOfWork,
    clock: Clock,
    *,
    types: Types,
    documents: Documents,
) -> dict[str, Any]:
    """The case made (or made before with the same key), as the citizen sees it."""
    caller, spec = command.caller, command.application
    kind = types.kind_of(spec["application_type"])
    once = Once(
        uow.transaction,
        Keyed.of(records.subject(caller), "case", command.idempotency_key, spec),
        lambda tx, case_id: case_view(tx, caller, case_id, types),
    )
    if (earlier := once.earlier()) is not None:
        return earlier
    form = submission.checked_form(kind, spec["form"])
    attachments = submission.checked_attachments(
        kind, spec["attachments"], documents.get_document, complete=True
    )

    def create(tx: Transaction) -> str:
        row = open_case(tx, caller, kind, spec, form, attachments, clock())
        if spec["draft_id"]:
            drafts.discard(tx.session, caller, spec["draft_id"])
        return row.id

    made = once.make(create)
    count_application(kind.key)
    return made


def open_case(
    tx: Transaction,
    caller: Caller,
    kind: ApplicationType,
    spec: dict[str, Any],
    form: dict[str, Any],
    attachments: list[dict[str, Any]],
    now: datetime,
) -> CaseRow:
    """The case, numbered, with its attachments and first history entry; announced."""
    row = CaseRow(
        id=str(uuid.uuid4()),
        number=submission.next_number(tx.session, kind, now),
        application_type=kind.key,
        citizen=caller.subject,
        contact=spec["contact"],
        language=spec["language"],
        form=form,
        submission=submission.metadata(kind, form, attachments),
        status=INITIAL,
        closed=False,
        submitted_at=now,
        due_at=submission.due_at(kind, now),
        updated_at=now,
    )
    tx.session.add(row)
    for attachment in attachments:
        tx.session.add(records.attachment(row.id, attachment, now))
    records.history(tx.session, row, caller, "submit", None, INITIAL, None, attachments, now)
    tx.session.flush()
    tx.publish(APPLICATION_SUBMITTED, payloads.submitted(kind, row, attachments, now))
    return row


def with_form_faults(refused: InvalidInput, application: Any, types: Types) -> InvalidInput:
    """A submission refused for its envelope (the contact, say) that also names the faults
    of its form: the citizen mends everything in one go, instead of meeting the form's
    faults only on the next try."""
    if not isinstance(application, dict) or "form" in (refused.details or {}):
        return refused
    form, key = application.get("form"), application.get("application_type")
    if not isinstance(form, dict) or not isinstance(key, str):
        return refused
    try:
        submission.checked_form(types.kind_of(key), form)
    except InvalidForm as faults:
        # the form comes first on the page, and so in the summary
        return InvalidInput(refused.message, {"form": faults.details, **refused.details})
    except ServiceError:  # an unknown type: the envelope's faults say enough
        return refused
    return refused
