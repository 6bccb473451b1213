"""The catalogue of document types: what content each accepts, how large, and for how long.

Read from YAML (`document_types.yaml`, or DOCUMENTS.types_file), so that an office changes
a limit or a retention period without a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import yaml

from services.documents.errors import UnknownDocumentType

DEFAULT_FILE = Path(__file__).resolve().parent / "document_types.yaml"

# the letters the office generates, and their languages (services/documents/letters.py)
LETTER_KINDS = ("receipt", "decision")
LANGUAGES = ("de", "en")

# Open Zaak's eight confidentiality levels (vertrouwelijkheidaanduiding), least to most
CONFIDENTIALITY = (
    "public",
    "restricted",
    "internal",
    "case_confidential",
    "confidential",
    "highly_confidential",
    "secret",
    "top_secret",
)


@dataclass(frozen=True)
class DocumentType:
    key: str
    title: dict[str, str]
    media_types: tuple[str, ...]
    max_bytes: int
    retention: timedelta
    confidentiality: str
    # made by the office (letters), never uploaded
    generated: bool = False

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "media_types": list(self.media_types),
            "max_bytes": self.max_bytes,
            "retention_days": self.retention / timedelta(days=1),
            "confidentiality": self.confidentiality,
            "generated": self.generated,
        }


class DocumentTypes:
    def __init__(self, types: dict[str, DocumentType]) -> None:
        self._types = types

    @classmethod
    def load(cls, path: str | Path | None = None) -> DocumentTypes:
        raw = yaml.safe_load(Path(path or DEFAULT_FILE).read_text(encoding="utf-8"))
        return cls({key: _document_type(key, spec) for key, spec in raw.items()})

    def get(self, key: str) -> DocumentType:
        try:
            return self._types[key]
        except KeyError:
            raise UnknownDocumentType(
                f"There is no document type {key!r}.", {"known": sorted(self._types)}
            ) from None

    def all(self) -> list[DocumentType]:
        return [self._types[key] for key in sorted(self._types)]


def _document_type(key: str, spec: dict) -> DocumentType:
    confidentiality = spec.get("confidentiality", "case_confidential")
    if confidentiality not in CONFIDENTIALITY:
        raise ValueError(f"document type {key}: unknown confidentiality {confidentiality!r}")
    return DocumentType(
        key=key,
        title=dict(spec["title"]),
        media_types=tuple(spec["media_types"]),
        max_bytes=int(spec["max_mib"] * 1024 * 1024),
        retention=timedelta(days=float(spec["retention_days"])),
        confidentiality=confidentiality,
        generated=bool(spec.get("generated", False)),
    )
