"""Letters the office generates (receipt, decision), stored like any other document."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

from services.common.context import Caller
from services.common.database import Transaction
from services.common.errors import InvalidInput
from services.documents.events import DOCUMENT_GENERATED
from services.documents.filing import Content, Description, keep_blob, new_document, version_facts
from services.documents.library import describe_document
from services.documents.models import VersionRow
from services.documents.sealing import blob_address, seal
from services.documents.vault import Vault

DOCUMENT_TYPE_OF = {"receipt": "receipt", "decision": "decision_letter"}


def render(vault: Vault, request: dict[str, Any]) -> tuple[bytes, str]:
    # fpdf is loaded with the first letter, not at start: it costs every instance ~22 MiB
    # resident, most of which only ever stream uploads
    from services.documents.letters import (
        Letterhead,
        LetterValuesMissing,
        letter_title,
        render_letter,
    )

    office = vault.office
    letterhead = Letterhead(
        name=office.name,
        street=office.street,
        city=office.city,
        phone=office.phone,
        email=office.email,
        website=office.website,
    )
    try:
        pdf = render_letter(request["kind"], request["language"], letterhead, request["values"])
    except LetterValuesMissing as missing:
        raise InvalidInput(
            "The letter needs more values.",
            {"values": {name: ["Required."] for name in missing.missing}},
        ) from None
    except ValueError as error:
        raise InvalidInput(str(error), {"values": [str(error)]}) from None
    return pdf, letter_title(request["kind"], request["language"], request["values"])


def preview(pdf: bytes, title: str) -> dict[str, Any]:
    """A letter shown before it is issued: its PDF travels as base64 in the RPC's answer."""
    return {
        "title": title,
        "media_type": "application/pdf",
        "content": base64.b64encode(pdf).decode("ascii"),
    }


def seal_letter(vault: Vault, pdf: bytes) -> Content:
    """Seal the letter into the store (outside any transaction); a copy of an identical
    letter stored before is simply overwritten with the same content."""
    sha256 = hashlib.sha256(pdf).hexdigest()
    address = blob_address(vault.address_key, sha256)
    wrapped_key = vault.master.new_wrapped_key()
    vault.store.put(f"staging/letter-{address}/00001", seal([pdf], wrapped_key, vault.master, 1))
    return Content(
        sha256=sha256,
        address=address,
        size=len(pdf),
        part_sizes=[len(pdf)],
        wrapped_key=wrapped_key,
        media_type="application/pdf",
        filename=None,
        scanner="none",
    )


def file_letter(
    tx: Transaction,
    vault: Vault,
    caller: Caller,
    request: dict[str, Any],
    title: str,
    content: Content,
    now: datetime,
) -> dict[str, Any]:
    staged = f"staging/letter-{content.address}"
    if keep_blob(tx, content, now):
        vault.store.move_prefix(staged, f"blobs/{content.address}")
    else:
        vault.store.delete_prefix(staged)
    document_type = vault.types.get(DOCUMENT_TYPE_OF[request["kind"]])
    description = Description(
        document_type=document_type,
        title=title,
        language=request["language"],
        confidentiality=document_type.confidentiality,
        status="final",
        owner=request.get("owner"),
        case_id=request.get("case_id"),
        case_role=request.get("case_role") or "clerk",
        case_department=request.get("case_department"),
    )
    document = new_document(tx, caller, description, content, now)
    version = tx.session.get(VersionRow, (document.id, 1))
    tx.publish(
        DOCUMENT_GENERATED,
        {
            **version_facts(document, version),
            "kind": request["kind"],
            "language": request["language"],
        },
    )
    return describe_document(tx, document)
