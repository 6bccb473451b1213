"""Notification rules without broker or database: rendering, recipients, routing checks."""

from __future__ import annotations

import pytest
from nameko.exceptions import ConfigurationError

from services.notifications import catalogue
from services.notifications.catalogue import Route
from services.notifications.intake import matches
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
