"""The message templates as the office reads, previews and (administrators) changes them."""

from __future__ import annotations

import pytest

from services.common.audit import AuditQuery
from services.common.loading import load
from services.notifications.errors import MissingValues, UnknownPlaceholder, UnknownTemplate
from services.notifications.models import InboxItemRow
from services.notifications.schemas import PreviewInput, TemplateVersionInput
from services.notifications.use_cases.audit import ReadAuditTrail, read_audit_trail
from services.notifications.use_cases.taking import TakeEvent, take_event
from services.notifications.use_cases.templates import (
    AddTemplateVersion,
    PreviewTemplate,
    ShowTemplate,
    add_template_version,
    list_templates,
    preview_template,
    show_template,
)
from tests.unit.notifications.scene import (
    ADA,
    OFFICE,
    Kicks,
    checked_in,
    clock,
    rows,
)


def new_version(uow, intake, name="checked_in", key=None, **changes):
    spec = load(
        TemplateVersionInput,
        {"language": "de", "subject": "Da: ((service))", "body": "In ((location)).", **changes},
    )
    return add_template_version(AddTemplateVersion(ADA, name, spec, key), uow, clock(), intake)


def preview(uow, intake, name, **request):
    return preview_template(PreviewTemplate(name, load(PreviewInput, request)), uow, intake)


def test_every_template_is_listed_with_its_events_and_version_one(uow, intake):
    listed = {entry["name"]: entry for entry in list_templates(uow, intake)["templates"]}

    assert listed["checked_in"]["events"] == ["appointments.appointment_checked_in"]
    assert listed["checked_in"]["languages"] == {"de": {"version": 1}, "en": {"version": 1}}
    assert "delivery_failed" in listed


def test_a_template_shows_the_values_its_events_supply(uow, intake):
    shown = show_template(ShowTemplate("checked_in"), uow, intake)

    # a role's queue is written from public facts: the citizen is not among them
    assert "appointment_id" in shown["values"] and "office" in shown["values"]
    assert "citizen" not in shown["values"]


def test_an_unknown_template_is_refused(uow, intake):
    with pytest.raises(UnknownTemplate) as refused:
        show_template(ShowTemplate("love_letter"), uow, intake)

    assert refused.value.code == "unknown_template"


def test_a_new_version_is_used_from_the_next_message_on(uow, intake):
    made = new_version(uow, intake)

    take_event(TakeEvent("appointments", checked_in()), uow, clock(), intake, Kicks())

    assert (made["version"], made["created_by"]) == (2, "ada")
    [item] = rows(uow, InboxItemRow)
    assert item.title == "Da: passport"


def test_a_new_version_counts_in_its_language_only(uow, intake):
    new_version(uow, intake)

    listed = {entry["name"]: entry for entry in list_templates(uow, intake)["templates"]}

    assert listed["checked_in"]["languages"] == {"de": {"version": 2}, "en": {"version": 1}}


def test_a_placeholder_the_events_do_not_supply_is_refused_and_nothing_kept(uow, intake):
    with pytest.raises(UnknownPlaceholder) as refused:
        new_version(uow, intake, body="Hallo ((name))")

    assert refused.value.details["unknown"] == ["name"]
    assert (
        show_template(ShowTemplate("checked_in"), uow, intake)["versions"]["de"][-1]["version"] == 1
    )


def test_the_same_version_sent_again_with_its_key_is_kept_once(uow, intake):
    first = new_version(uow, intake, key="v-1")

    again = new_version(uow, intake, key="v-1")

    assert again == first
    assert len(show_template(ShowTemplate("checked_in"), uow, intake)["versions"]["de"]) == 2


def test_a_new_version_is_in_the_audit_trail_with_the_text_before_and_after(uow, intake):
    new_version(uow, intake)

    [change] = read_audit_trail(ReadAuditTrail(load(AuditQuery, {})), uow)["changes"]

    assert (change["entity"], change["key"]) == ("template", "checked_in/de")
    assert change["before"]["subject"] == "Angekommen: ((service))"
    assert change["after"]["subject"] == "Da: ((service))"


def test_a_preview_renders_the_values_given_with_the_office(uow, intake):
    shown = preview(uow, intake, "reminder", values={"service_name": "Reisepass", "name": "Erika"})

    assert shown["subject"] == "Erinnerung Reisepass"
    assert shown["text"].strip() == f"Bis bald, Erika. {OFFICE}"
    assert (shown["language"], shown["version"]) == ("de", 1)


def test_a_preview_without_a_value_the_template_needs_is_refused(uow, intake):
    with pytest.raises(MissingValues) as refused:
        preview(uow, intake, "reminder", values={"service_name": "Reisepass"})

    assert refused.value.details == {"missing": ["name"]}


def test_a_preview_of_a_version_that_does_not_exist_is_refused(uow, intake):
    with pytest.raises(UnknownTemplate):
        preview(uow, intake, "reminder", version=5, values={})
