"""The catalogue of application types, read from types.yaml and checked at start."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema
from nameko.exceptions import ConfigurationError

HERE = Path(__file__).parent
LANGUAGES = ("de", "en")
INITIAL = "submitted"


@dataclass(frozen=True)
class AttachmentSpec:
    purpose: str
    required: bool
    document_types: tuple[str, ...]
    names: dict[str, str]


@dataclass(frozen=True)
class StatusType:
    key: str
    texts: dict[str, str]
    inform: bool
    final: bool


@dataclass(frozen=True)
class ApplicationType:
    key: str
    code: str
    names: dict[str, str]
    service_key: str
    region: str
    schema_uri: str
    form: type[Schema]
    fee_cents: int
    processing_days: int
    attachments: dict[str, AttachmentSpec]
    statuses: dict[str, StatusType]
    transitions: dict[str, tuple[str, ...]]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names["de"]

    def view(self, language: str) -> dict[str, Any]:
        form = self.form().fields
        return {
            "key": self.key,
            "name": self.name(language),
            "fee_cents": self.fee_cents,
            "processing_days": self.processing_days,
            "form": {name: type(field).__name__.lower() for name, field in form.items()},
            "required_fields": [name for name, field in form.items() if field.required],
            "attachments": [
                {
                    "purpose": spec.purpose,
                    "required": spec.required,
                    "document_types": list(spec.document_types),
                    "name": spec.names.get(language) or spec.names["de"],
                }
                for spec in self.attachments.values()
            ],
            "statuses": [
                {"status": s.key, "text": s.texts[language], "final": s.final}
                for s in self.statuses.values()
            ],
        }


def load(path: str | Path | None = None) -> dict[str, ApplicationType]:
    try:
        document = yaml.safe_load(Path(path or HERE / "types.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigurationError(f"Cannot read the application types: {error}") from error
    return {key: _type(key, spec) for key, spec in document["types"].items()}


def _type(key: str, spec: dict[str, Any]) -> ApplicationType:
    where = f"application type {key}"
    try:
        statuses = {
            status: StatusType(
                status,
                {language: text[language] for language in LANGUAGES},
                bool(text.get("inform", False)),
                bool(text.get("final", False)),
            )
            for status, text in spec["statuses"].items()
        }
        transitions = {status: tuple(targets) for status, targets in spec["transitions"].items()}
        kind = ApplicationType(
            key=key,
            code=spec["code"],
            names={language: spec[language] for language in LANGUAGES},
            service_key=str(spec["service_key"]),
            region=str(spec["region"]),
            schema_uri=spec["schema_uri"],
            form=_form(spec["form"]),
            fee_cents=int(spec["fee_cents"]),
            processing_days=int(spec["processing_days"]),
            attachments={
                purpose: AttachmentSpec(
                    purpose,
                    bool(item.get("required", False)),
                    tuple(item["document_types"]),
                    {language: item[language] for language in LANGUAGES},
                )
                for purpose, item in (spec.get("attachments") or {}).items()
            },
            statuses=statuses,
            transitions=transitions,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ConfigurationError(f"{where}: {error!r} is missing or wrong.") from None
    if INITIAL not in statuses:
        raise ConfigurationError(f"{where}: the status {INITIAL} is needed.")
    for status, targets in transitions.items():
        unknown = {status, *targets} - set(statuses)
        if unknown:
            raise ConfigurationError(f"{where}: transitions name unknown statuses {unknown}.")
    return kind


def _form(reference: str) -> type[Schema]:
    module, _, name = reference.partition(":")
    try:
        form = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as error:
        raise ConfigurationError(f"No form schema {reference}: {error}") from None
    if not (isinstance(form, type) and issubclass(form, Schema)):
        raise ConfigurationError(f"{reference} is not a marshmallow schema.")
    return form
