"""Letters the office writes on request: rendered and sealed before the transaction, filed
as a document in it; and a decision letter previewed, nothing stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.common.clock import Clock
from services.common.context import Caller
from services.common.database import UnitOfWork
from services.common.idempotency import Keyed, Once
from services.documents import access, casework, generation, library
from services.documents.vault import Vault


@dataclass(frozen=True)
class GenerateLetter:
    caller: Caller
    request: dict[str, Any]  # schemas.LetterRequest, loaded
    idempotency_key: str | None = None


def generate_letter(
    command: GenerateLetter, uow: UnitOfWork, clock: Clock, vault: Vault
) -> dict[str, Any]:
    """Write, seal and file the letter (`document_generated`); the same key answers the same
    letter again."""
    caller, request = command.caller, dict(command.request)
    if request["case_id"]:
        request["case_department"] = access.department_to_file(caller, request["case_department"])
    once = Once(
        uow.transaction,
        Keyed.of(caller.subject, "letter", command.idempotency_key, request),
        lambda tx, document_id: library.view(tx, caller, document_id, clock()),
    )
    if (earlier := once.earlier()) is not None:
        return earlier
    pdf, title = generation.render(vault, request)
    content = generation.seal_letter(vault, pdf)
    return once.make(
        lambda tx: generation.file_letter(tx, vault, caller, request, title, content, clock())[
            "document_id"
        ]
    )


@dataclass(frozen=True)
class PreviewDecision:
    decision: dict[str, Any]  # an `application_decided` payload


def preview_decision_letter(command: PreviewDecision, vault: Vault) -> dict[str, Any]:
    """The decision letter an `application_decided` with these facts would issue, as a PDF
    (base64), written as that event's letter is; nothing is sealed, stored or issued."""
    facts = casework.decided_facts(command.decision)
    pdf, title = generation.render(vault, casework.decision_request(facts))
    return generation.preview(pdf, title)
