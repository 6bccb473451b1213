"""The message templates: listed, described, given new versions, previewed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.common.clock import Clock
from services.common.database import UnitOfWork
from services.common.idempotency import Keyed, Once
from services.common.identity import Caller
from services.notifications import admin_changes, template_store
from services.notifications.intake import Intake


def list_templates(uow: UnitOfWork, setup: Intake) -> dict[str, Any]:
    """Every template: the events it answers and its current version per language."""
    with uow.transaction() as tx:
        return {"templates": template_store.listing(tx.session, setup.catalogue)}


@dataclass(frozen=True)
class ShowTemplate:
    name: str


def show_template(command: ShowTemplate, uow: UnitOfWork, setup: Intake) -> dict[str, Any]:
    with uow.transaction() as tx:
        return template_store.describe(tx.session, setup.catalogue, command.name)


@dataclass(frozen=True)
class AddTemplateVersion:
    caller: Caller
    name: str
    spec: dict[str, Any]  # as loaded by TemplateVersionInput
    idempotency_key: str | None = None


def add_template_version(
    command: AddTemplateVersion, uow: UnitOfWork, clock: Clock, setup: Intake
) -> dict[str, Any]:
    """The new version, used from the next message on; the same version sent again with its
    key answers the first."""
    caller, name, spec = command.caller, command.name, command.spec
    once = Once(
        uow.transaction,
        # only an administrator gets here, signed in: the subject is there
        Keyed.of(
            str(caller.subject), "template_version", command.idempotency_key, {"name": name, **spec}
        ),
        lambda tx, made: template_store.version_view(tx.session, name, spec["language"], int(made)),
    )
    if (earlier := once.earlier()) is not None:
        return earlier
    catalogue = setup.catalogue
    return once.make(
        lambda tx: str(
            admin_changes.add_template_version(tx.session, catalogue, name, spec, caller, clock())
        )
    )


@dataclass(frozen=True)
class PreviewTemplate:
    name: str
    request: dict[str, Any]  # as loaded by PreviewInput: language, values, version


def preview_template(command: PreviewTemplate, uow: UnitOfWork, setup: Intake) -> dict[str, Any]:
    """The template rendered with the values given, as a recipient would get it; nothing is
    sent or kept."""
    with uow.transaction() as tx:
        return template_store.preview(
            tx.session, setup.catalogue, command.name, command.request, setup.office
        )
