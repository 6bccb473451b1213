"""The catalogue of application types, read from types.yaml and checked at start.

Each type's form schema (JSON Schema, in every language) is generated here once, so a form
that cannot be stated in JSON Schema, or a field without its titles, stops the service.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema, fields
from nameko.exceptions import ConfigurationError

from services.applications import form_schema
from services.applications.errors import UnknownApplicationType
from services.applications.settings import ApplicationsSettings
from services.common.identity import is_department

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
    # whose clerks work its cases, and the department's names
    department: str
    department_names: dict[str, str]
    schema_uri: str
    form: type[Schema]
    form_schemas: dict[str, dict[str, Any]]
    fee_cents: int
    processing_days: int
    attachments: dict[str, AttachmentSpec]
    statuses: dict[str, StatusType]
    transitions: dict[str, tuple[str, ...]]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names["de"]

    def form_schema(self, language: str) -> dict[str, Any]:
        return self.form_schemas.get(language) or self.form_schemas["de"]

    def view(self, language: str) -> dict[str, Any]:
        form = self.form().fields
        return {
            "key": self.key,
            "name": self.name(language),
            "fee_cents": self.fee_cents,
            "processing_days": self.processing_days,
            "department": self.department,
            "department_name": self.department_names.get(language) or self.department,
            "form": {name: _kind(field) for name, field in form.items()},
            "required_fields": [name for name, field in form.items() if field.required],
            "form_schema": self.form_schema(language),
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


class Types:
    """The application types the service takes, by key; a key it does not know is refused."""

    def __init__(self, by_key: dict[str, ApplicationType]) -> None:
        self.by_key = by_key

    def __getitem__(self, key: str) -> ApplicationType:
        return self.by_key[key]

    def values(self) -> list[ApplicationType]:
        return list(self.by_key.values())

    def kind_of(self, key: str) -> ApplicationType:
        try:
            return self.by_key[key]
        except KeyError:
            raise UnknownApplicationType(
                "There is no such application type.",
                {"application_type": key, "known": list(self.by_key)},
            ) from None


def _kind(field: Any) -> str:
    """marshmallow's name for a field's kind (date, nested, list ...), also for our own
    fields built on marshmallow's (a Day is a date)."""
    marshmallow_kind = next(k for k in type(field).__mro__ if k.__module__ == fields.__name__)
    return marshmallow_kind.__name__.lower()


def load(
    path: str | Path | None = None, api_url: str = ApplicationsSettings.api_url
) -> dict[str, ApplicationType]:
    """The types; their form schemas are named and served under `api_url` (the gateway)."""
    try:
        document = yaml.safe_load(Path(path or HERE / "types.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigurationError(f"Cannot read the application types: {error}") from error
    departments = _departments(document.get("departments"))
    return {key: _type(key, spec, api_url, departments) for key, spec in document["types"].items()}


def _departments(spec: Any) -> dict[str, dict[str, str]]:
    try:
        departments = {
            str(key): {language: str(names[language]) for language in LANGUAGES}
            for key, names in spec.items()
        }
    except (AttributeError, KeyError, TypeError) as error:
        raise ConfigurationError(f"departments: {error!r} is missing or wrong.") from None
    unnamed = [key for key in departments if not is_department(key)]
    if unnamed:
        raise ConfigurationError(f"departments: {unnamed} are not department names.")
    return departments


def _type(
    key: str, spec: dict[str, Any], api_url: str, departments: dict[str, dict[str, str]]
) -> ApplicationType:
    where = f"application type {key}"
    department = spec.get("department")
    if department not in departments:
        raise ConfigurationError(
            f"{where}: its department {department!r} is not one of {list(departments)}."
        )
    try:
        names = {language: spec[language] for language in LANGUAGES}
        form = _form(spec["form"])
        uri = form_schema.schema_uri(api_url, key)
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
            names=names,
            service_key=str(spec["service_key"]),
            region=str(spec["region"]),
            department=department,
            department_names=departments[department],
            schema_uri=uri,
            form=form,
            form_schemas=_form_schemas(form, uri, names),
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


def _form_schemas(form: type[Schema], uri: str, names: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The form's JSON Schema per language, its `$id` the URI the metadata names."""
    untitled = form_schema.untitled(form(), LANGUAGES)
    if untitled:
        raise ConfigurationError(
            f"{form.__name__}: these fields need a title in {LANGUAGES}: {untitled}"
        )
    try:
        return {
            language: form_schema.generate(form, uri=uri, names=names, language=language)
            for language in LANGUAGES
        }
    except form_schema.Unsupported as error:
        message = f"{form.__name__} uses {error}, which its JSON Schema cannot state."
        raise ConfigurationError(message) from None


def _form(reference: str) -> type[Schema]:
    module, _, name = reference.partition(":")
    try:
        form = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as error:
        raise ConfigurationError(f"No form schema {reference}: {error}") from None
    if not (isinstance(form, type) and issubclass(form, Schema)):
        raise ConfigurationError(f"{reference} is not a marshmallow schema.")
    return form
