"""Template versions: version 1 ships with the service, admins add the next ones.

Every message records the template version it was written with; a preview shows any
version with the values given, before a single citizen sees it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.context import Caller
from services.notifications import generations
from services.notifications.catalogue import LANGUAGES, Catalogue
from services.notifications.errors import MissingValues, UnknownPlaceholder, UnknownTemplate
from services.notifications.models import TemplateVersionRow
from services.notifications.rendering import TemplateText, missing_values, render


def current(
    session: Session, catalogue: Catalogue, name: str, language: str, version: int | None = None
) -> TemplateText:
    builtin = catalogue.builtin(name, language)
    if builtin is None:
        raise UnknownTemplate(f"There is no template {name}.", {"template": name})
    query = select(TemplateVersionRow).where(
        TemplateVersionRow.name == name, TemplateVersionRow.language == language
    )
    if version == 1:
        return builtin
    if version is None:
        query = query.order_by(TemplateVersionRow.version.desc()).limit(1)
    else:
        query = query.where(TemplateVersionRow.version == version)
    row = session.scalars(query).first()
    if row is None:
        if version is None:
            return builtin
        raise UnknownTemplate(
            f"Template {name} has no version {version} in {language}.",
            {"template": name, "version": version, "language": language},
        )
    return _text(row, builtin.links)


def listing(session: Session, catalogue: Catalogue) -> list[dict[str, Any]]:
    newest = dict(
        (((name, language), version))
        for name, language, version in session.execute(
            select(
                TemplateVersionRow.name,
                TemplateVersionRow.language,
                func.max(TemplateVersionRow.version),
            ).group_by(TemplateVersionRow.name, TemplateVersionRow.language)
        )
    )
    return [
        {
            "name": name,
            "events": catalogue.events_of(name),
            "languages": {
                language: {"version": newest.get((name, language), 1)} for language in LANGUAGES
            },
        }
        for name in sorted(catalogue.templates)
    ]


def describe(session: Session, catalogue: Catalogue, name: str) -> dict[str, Any]:
    builtins = catalogue.templates.get(name)
    if builtins is None:
        raise UnknownTemplate(f"There is no template {name}.", {"template": name})
    rows = session.scalars(
        select(TemplateVersionRow)
        .where(TemplateVersionRow.name == name)
        .order_by(TemplateVersionRow.version)
    ).all()
    versions: dict[str, list[dict[str, Any]]] = {
        language: [_version_view(text, None, None)] for language, text in builtins.items()
    }
    for row in rows:
        versions[row.language].append(
            _version_view(_text(row, frozenset()), row.created_at, row.created_by)
        )
    return {
        "name": name,
        "events": catalogue.events_of(name),
        "links": sorted(builtins["de"].links),
        "values": sorted(catalogue.values_of(name)),
        "versions": versions,
    }


def add_version(
    session: Session,
    catalogue: Catalogue,
    name: str,
    spec: dict[str, Any],
    caller: Caller,
    now: datetime,
) -> int:
    """Add the next version of a template in one language; its number."""
    language = spec["language"]
    latest = current(session, catalogue, name, language)
    draft = TemplateText(
        name, language, latest.version + 1, spec["subject"], spec["body"], spec["sms"]
    )
    unknown = draft.placeholders() - catalogue.values_of(name)
    if unknown:
        raise UnknownPlaceholder(
            "The template uses values its events do not supply.",
            {"unknown": sorted(unknown), "known": sorted(catalogue.values_of(name))},
        )
    row = TemplateVersionRow(
        name=name,
        language=language,
        version=draft.version,
        subject=draft.subject,
        body=draft.body,
        sms=draft.sms,
        created_at=now,
        created_by=caller.subject,
    )
    session.add(row)
    session.flush()
    generations.changed(session, generations.TEMPLATES)  # every instance's next event uses it
    return draft.version


def version_view(session: Session, name: str, language: str, version: int) -> dict[str, Any]:
    row = session.get(TemplateVersionRow, (name, language, version))
    return _version_view(_text(row, frozenset()), row.created_at, row.created_by)


def preview(
    session: Session, catalogue: Catalogue, name: str, request: dict[str, Any], office: str
) -> dict[str, Any]:
    template = current(session, catalogue, name, request["language"], request["version"])
    values = {"office": office, **request["values"]}
    missing = missing_values(template, values)
    if missing:
        raise MissingValues(
            "Give a value for every placeholder the template uses.", {"missing": sorted(missing)}
        )
    rendered = render(template, values, office=office)
    return {
        "name": name,
        "language": template.language,
        "version": template.version,
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
        "sms": rendered.sms,
    }


def _text(row: TemplateVersionRow, links: frozenset[str]) -> TemplateText:
    return TemplateText(row.name, row.language, row.version, row.subject, row.body, row.sms, links)


def _version_view(
    text: TemplateText, created_at: datetime | None, created_by: str | None
) -> dict[str, Any]:
    return {
        "language": text.language,
        "version": text.version,
        "subject": text.subject,
        "body": text.body,
        "sms": text.sms,
        "created_at": created_at.isoformat() if created_at else None,
        "created_by": created_by,
    }
