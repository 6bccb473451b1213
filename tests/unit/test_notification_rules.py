"""Notification rules without broker or database: rendering, recipients, routing checks."""

from __future__ import annotations

import pytest
from marshmallow import Schema, fields
from nameko.exceptions import ConfigurationError

from services.common.context import Caller
from services.common.events import define_event
from services.notifications import catalogue
from services.notifications.catalogue import (
    InboxOwner,
    Route,
    account_inbox,
    department_queue,
    role_queue,
)
from services.notifications.inbox import owners
from services.notifications.intake import matches, people
from services.notifications.recipients import Preference, for_citizen
from services.notifications.rendering import TemplateText, clean_text, render
from services.notifications.settings import NotificationSettings
from services.notifications.sms import request_body
from services.notifications.webhooks import signature

TEMPLATE = TemplateText(
    "t", "de", 1, "Termin ((start|date))", "Hallo ((name)),\n\n((link))", None, frozenset({"link"})
)
ROUTE = Route("appointments.appointment_confirmed", "appointment_confirmed", "citizen")
PAYLOAD = {"citizen": "anna", "email": "anna@example.org", "language": "de"}


class NoteTaken(Schema):
    """An event whose department stays inside and whose recipients are not people."""

    note_id = fields.String(required=True)
    department = fields.String(required=True)
    recipients = fields.List(fields.String(), required=True)


define_event("unit_notes", "note_taken", NoteTaken, description="A test's.", public=("note_id",))


def preference(**changes) -> Preference:
    values = dict(
        language="en", email_on=True, sms_on=False, inbox_on=True, email=None, phone=None,
        non_essential=True,
    )  # fmt: skip
    return Preference(**{**values, **changes})


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Anna <b>Schmidt</b>", "Anna Schmidt"),
        ("see [here](https://evil.example/x)", "see here"),
        ("visit https://evil.example/a?b or www.evil.example", "visit or"),
        ("**bold** `code` > quote", "bold code quote"),
        ("line\nbreak", "line break"),
        ("anna_schmidt #3", "anna_schmidt #3"),
    ],
)
def test_citizen_values_lose_links_and_markup_in_text(typed, shown):
    assert clean_text(typed) == shown


def test_only_named_platform_links_stay_links():
    values = {"name": "http://evil.example", "link": "https://portal.example/c?t=1&u=2"}
    rendered = render(TEMPLATE, {**values, "start": "2026-12-24T10:00:00+01:00"}, office="Soest")
    assert rendered.subject == "Termin Donnerstag, 24. Dezember 2026"
    assert "evil" not in rendered.text and "evil" not in rendered.html
    assert '<a href="https://portal.example/c?t=1&amp;u=2">' in rendered.html
    assert "https://portal.example/c?t=1&u=2" in rendered.text


def test_a_link_value_that_is_not_http_is_text():
    rendered = render(TEMPLATE, {"link": "javascript:alert(1)"}, office="Soest")
    assert "<a " not in rendered.html and "javascript" not in rendered.text


def test_without_preferences_the_event_address_and_the_inbox_are_used():
    chosen = for_citizen(ROUTE, PAYLOAD, None, "de")
    assert [(r.channel, r.address, r.language) for r in chosen] == [
        ("email", "anna@example.org", "de"),
        ("inbox", "anna", "de"),
    ]


def test_preferences_choose_channels_and_language():
    chosen = for_citizen(
        ROUTE, PAYLOAD, preference(email_on=False, sms_on=True, phone="+49151"), "de"
    )
    assert [(r.channel, r.address, r.language) for r in chosen] == [
        ("sms", "+49151", "en"),
        ("inbox", "anna", "en"),
    ]


def test_an_essential_message_reaches_a_citizen_who_switched_everything_off():
    off = preference(email_on=False, sms_on=False, inbox_on=False)
    assert [r.channel for r in for_citizen(ROUTE, PAYLOAD, off, "de")] == ["inbox"]
    anonymous = {"citizen": None, "email": "anna@example.org"}
    assert [r.channel for r in for_citizen(ROUTE, anonymous, off, "de")] == ["email"]


def test_a_non_essential_message_can_be_switched_off():
    reminder = Route(ROUTE.event, "appointment_reminder", "citizen", essential=False)
    assert for_citizen(reminder, PAYLOAD, preference(non_essential=False), "de") == []
    off = preference(email_on=False, sms_on=False, inbox_on=False)
    assert for_citizen(reminder, PAYLOAD, off, "de") == []


def test_filters_match_exact_values_or_any_present_value():
    public = {"location": "rathaus", "service": "reisepass", "inform": True}
    assert matches(["a.b"], {"location": "rathaus", "service": "*"}, "a.b", public)
    assert matches(["a.b"], {"inform": "true"}, "a.b", public)
    assert not matches(["a.b"], {"location": "nord"}, "a.b", public)
    assert not matches(["a.b"], {"case_id": "*"}, "a.b", public)
    assert not matches(["a.c"], {}, "a.b", public)


def test_the_signature_is_hmac_sha256_over_timestamp_and_body():
    assert signature("s3cret", 1700000000, b'{"a":1}') == (
        "v1=" + __import__("hmac").new(b"s3cret", b'1700000000.{"a":1}', "sha256").hexdigest()
    )


def test_the_sms_body_is_json_escaped():
    body = request_body('{"to": "((to))", "text": "((text))"}', "+49151", 'Er sagte "hallo"\n')
    assert __import__("json").loads(body) == {"to": "+49151", "text": 'Er sagte "hallo"\n'}


def test_the_shipped_routing_and_templates_load():
    loaded = catalogue.load(NotificationSettings())
    assert "appointments.appointment_confirmed" in loaded.routes
    assert loaded.builtin("application_received", "en").version == 1


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ("- {event: appointments.appointment_teleported, template: x, to: citizen}", "no event"),
        ("- {event: appointments.appointment_held, template: nope, to: citizen}", "no template"),
        ("- {event: appointments.appointment_held, template: appointment_held, to: mayor}", "`to`"),
        (
            "- {event: appointments.appointment_held, template: appointment_held, to: citizen,"
            " attach: passport}",
            "has no",
        ),
        (
            "- {event: feedback.rating_invited, template: feedback_rating_invited, to: department}",
            "names no public department",
        ),
        (
            "- {event: unit_notes.note_taken, template: feedback_report_queued, to: department}",
            "names no public department",
        ),
        (
            "- {event: feedback.rating_invited, template: feedback_rating_invited, to: recipients}",
            "has no recipients list",
        ),
        (
            "- {event: unit_notes.note_taken, template: feedback_answered, to: recipients}",
            "has no recipients list",
        ),
    ],
    ids=[
        "unknown-event",
        "unknown-template",
        "unknown-recipient",
        "unknown-attachment",
        "department-missing",
        "department-not-public",
        "recipients-missing",
        "recipients-not-people",
    ],
)
def test_a_wrong_routing_entry_stops_the_service_at_start(tmp_path, entry, complaint):
    routing = tmp_path / "routing.yaml"
    routing.write_text(entry)
    with pytest.raises(ConfigurationError, match=complaint):
        catalogue.load(NotificationSettings(routing_file=str(routing)))


def test_retries_back_off_exponentially_and_are_capped():
    settings = NotificationSettings(retry_base_delay=60, retry_max_delay=600)
    assert [settings.retry_delay(n) for n in range(1, 6)] == [60, 120, 240, 480, 600]


def test_every_shipped_template_uses_only_values_its_events_supply():
    loaded = catalogue.load(NotificationSettings())
    for name, languages in loaded.templates.items():
        for text in languages.values():
            assert text.placeholders() <= loaded.values_of(name), (name, text.language)


def test_a_queue_item_is_written_from_public_attributes_only():
    loaded = catalogue.load(NotificationSettings())
    # the department's clerks read the category, never the citizen's title or address
    assert {"category", "department"} <= loaded.values_of("feedback_report_queued")
    assert not {"title", "recipients", "email"} & loaded.values_of("feedback_report_queued")
    # each recipient's message has their own values and the item's, not the list of all
    answered = loaded.values_of("feedback_answered")
    assert {"title", "answer", "status_de", "citizen", "email", "language"} <= answered
    assert "recipients" not in answered


def test_each_recipient_is_written_to_with_the_events_values_and_their_own():
    route = Route("feedback.official_answer_published", "feedback_answered", "recipients")
    payload = {
        "title": "Schlagloch",
        "recipients": [
            {"citizen": "anna", "email": "anna@example.org", "language": "de"},
            {"citizen": None, "email": "ben@example.org", "language": "en"},
        ],
    }
    assert people(route, payload) == [
        {"title": "Schlagloch", "citizen": "anna", "email": "anna@example.org", "language": "de"},
        {"title": "Schlagloch", "citizen": None, "email": "ben@example.org", "language": "en"},
    ]
    assert people(ROUTE, PAYLOAD) == [PAYLOAD]


def test_a_department_route_writes_to_the_events_department_for_its_clerks():
    route = Route("feedback.report_submitted", "feedback_report_queued", "department")
    assert route.shared
    assert route.queue_of({"department": "roads"}) == (department_queue("roads"), "clerk", "roads")
    by_role = Route("feedback.content_hidden", "feedback_item_hidden", "role:clerk")
    assert by_role.queue_of({}) == (role_queue("clerk"), "clerk", None)


def test_a_new_application_is_queued_for_its_department_and_without_one_for_the_admins():
    [queued] = [
        route
        for route in catalogue.load(NotificationSettings()).routes_for(
            "applications.application_submitted"
        )
        if route.shared
    ]
    placed = {"department": "traffic", "case_number": "2026-BPA-000123"}
    assert queued.queue_of(placed) == (department_queue("traffic"), "clerk", "traffic")
    # an event recorded before applications named the department: no clerk's queue
    assert queued.queue_of({"department": None}) == (role_queue("admin"), "admin", None)


def test_clerks_and_admins_read_their_departments_queues_and_citizens_none():
    assert owners(Caller("clara", "clerk", ("roads", "environment"))) == [
        account_inbox("clara"),
        role_queue("clerk"),
        department_queue("roads"),
        department_queue("environment"),
    ]
    assert owners(Caller("root", "admin", ("roads",))) == [
        account_inbox("root"),
        role_queue("admin"),
        department_queue("roads"),
    ]
    assert owners(Caller("anna", "citizen", ("roads",))) == [account_inbox("anna")]


@pytest.mark.parametrize("subject", ["role:clerk", "role:admin", "department:roads"])
def test_a_subject_spelled_like_a_shared_queue_owns_only_its_own_inbox(subject):
    [own] = owners(Caller(subject, "citizen", ()))
    assert own == InboxOwner("account", subject)
    assert not own.shared
    assert own not in (role_queue("clerk"), role_queue("admin"), department_queue("roads"))
