"""The administration in the browser: a catalogue change previewed, saved, kept in the
changes list and then seen by a citizen booking; templates previewed in both languages;
the delivery log, webhooks and dead letters (replayed and discarded, each listed as a
change); forms with errors; who is refused."""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from babel.dates import format_date
from nameko.standalone.events import get_event_exchange
from playwright.sync_api import Locator, Page, expect

from services.common import dead_letters
from services.common.local_time import OFFICE_TIMEZONE
from tests.support.portal import Platform, assert_accessible, sign_in
from tests.support.publishing import confirmed_connection, publish
from tests.support.smtp import MailCatcher
from tests.support.waiting import wait_for

SATURDAY_BOOKING = "/appointments/book?service=personalausweis&location=rathaus"


def open_town_hall(page: Page) -> None:
    page.goto("/staff/admin")
    assert_accessible(page)
    page.get_by_role("link", name="Katalog").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Katalog")
    assert_accessible(page)
    page.get_by_role("link", name="Bürgerbüro im Rathaus").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bürgerbüro im Rathaus")
    assert_accessible(page)


def test_saturday_hours_are_previewed_saved_listed_as_a_change_and_booked_by_a_citizen(
    page: Page, platform: Platform, browser
):
    citizen = browser.new_context(base_url=platform.url, locale="de-DE").new_page()
    citizen.goto(SATURDAY_BOOKING)
    expect(citizen.get_by_role("heading", level=1)).to_have_text(
        "An welchem Tag möchten Sie kommen?"
    )
    expect(citizen.get_by_role("radio", name="Samstag")).to_have_count(0)

    sign_in(page, "admin.anna", "admin", "Anna Admin")
    open_town_hall(page)
    new_opening = page.get_by_role("group", name="Neue Öffnungszeit")
    new_opening.get_by_label("Samstag").check()
    new_opening.get_by_label("Beginn").fill("09:00")
    new_opening.get_by_label("Ende").fill("12:00")
    page.get_by_role("button", name="Vorschau der freien Zeiten").first.click()

    preview = page.get_by_role("region", name="Vorschau: freie Zeiten mit dieser Änderung")
    expect(preview.get_by_role("row", name="Samstag").first).to_contain_text("von 09:00 bis")
    assert_accessible(page)
    citizen.reload()
    expect(citizen.get_by_role("radio", name="Samstag")).to_have_count(0)

    page.get_by_role("button", name="Speichern").first.click()
    expect(page.get_by_role("status")).to_have_text("Die Änderung ist gespeichert.")
    changes = page.get_by_role("region", name="Änderungen")
    expect(changes.get_by_role("row", name="Anna Admin")).to_contain_text("Öffnungszeiten")
    assert_accessible(page)

    citizen.reload()
    expect(citizen.get_by_role("radio", name="Samstag").first).to_be_visible()
    citizen.context.close()


def test_catalogue_forms_with_bad_times_past_closed_days_and_bad_keys_say_so_at_the_field(
    page: Page, platform: Platform
):
    sign_in(page, "admin.anna", "admin", "Anna Admin")
    open_town_hall(page)

    new_opening = page.get_by_role("group", name="Neue Öffnungszeit")
    new_opening.get_by_label("Montag").check()
    new_opening.get_by_label("Beginn").fill("13:00")
    new_opening.get_by_label("Ende").fill("25:00")
    page.get_by_role("button", name="Speichern").first.click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Ende: Bitte eine Uhrzeit von 00:00 bis 24:00")
    expect(
        page.get_by_role("group", name="Neue Öffnungszeit").get_by_label("Ende")
    ).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.get_by_role("group", name="Neue Öffnungszeit").get_by_label("Ende").fill("13:10")
    page.get_by_role("button", name="Vorschau der freien Zeiten").first.click()
    expect(page.get_by_role("alert")).to_contain_text("Raster")
    assert_accessible(page)

    page.get_by_role("group", name="Neue Öffnungszeit").get_by_label("Montag").uncheck()
    page.get_by_role("group", name="Neue Öffnungszeit").get_by_label("Beginn").fill("")
    page.get_by_role("group", name="Neue Öffnungszeit").get_by_label("Ende").fill("")
    page.get_by_label("Neuer Schließtag").fill("2020-01-06")
    page.get_by_role("button", name="Speichern").first.click()
    expect(page.get_by_role("alert")).to_contain_text("Neuer Schließtag: Ein neuer Schließtag")
    expect(page.get_by_label("Neuer Schließtag")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.goto("/staff/admin/locations/rathaus")
    page.get_by_label("Schalter", exact=True).fill("1")
    page.get_by_label("Davon online buchbar").fill("3")
    page.get_by_role("button", name="Speichern").last.click()
    expect(page.get_by_role("alert")).to_contain_text("Davon online buchbar: Es können nicht")
    assert_accessible(page)

    page.goto("/staff/admin/locations/new")
    page.get_by_label("Kürzel").fill("Rathaus Süd")
    page.get_by_label("Name").fill("Rathaus Süd")
    page.get_by_label("Anschrift").fill("Markt 1, 59494 Soest")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("alert")).to_contain_text("Kürzel: Bitte nur Kleinbuchstaben")
    assert_accessible(page)

    answer = page.goto("/staff/admin/locations/nowhere")
    assert answer.status == 404
    assert_accessible(page)


def test_templates_are_previewed_in_german_and_english_and_a_new_version_is_a_change(
    page: Page, platform: Platform
):
    sign_in(page, "admin.anna", "admin", "Anna Admin")
    page.goto("/staff/admin/templates")
    assert_accessible(page)
    page.get_by_role("link", name="appointment_confirmed", exact=True).click()
    expect(page.get_by_role("heading", name="Deutsch (Version 1)")).to_be_visible()
    expect(page.get_by_role("heading", name="Englisch (Version 1)")).to_be_visible()
    page.get_by_label("name", exact=True).fill("Erika Mustermann")
    page.get_by_role("button", name="Vorschau zeigen").click()
    expect(page.get_by_role("article").first).to_contain_text("Erika Mustermann")
    assert_accessible(page)

    page.get_by_label("Englisch", exact=True).check()
    page.get_by_label("Betreff", exact=True).fill("Booked: ((service_name))")
    page.get_by_label("Text", exact=True).fill("Hello ((name)), in ((colour)).")
    page.get_by_role("button", name="Version hinzufügen").click()
    expect(page.get_by_role("alert")).to_contain_text("Platzhalter")
    assert_accessible(page)

    page.get_by_label("Text", exact=True).fill("Hello ((name)), see you.")
    page.get_by_role("button", name="Version hinzufügen").click()
    expect(page.get_by_role("status")).to_have_text("Die Änderung ist gespeichert.")
    expect(page.get_by_role("heading", name="Englisch (Version 2)")).to_be_visible()
    changes = page.get_by_role("region", name="Änderungen")
    expect(changes.get_by_role("row", name="Anna Admin")).to_contain_text(
        "Vorlage appointment_confirmed/en: geändert"
    )
    assert_accessible(page)


def test_the_delivery_log_webhooks_and_dead_letters_open_and_refuse_a_bad_webhook(
    page: Page, platform: Platform
):
    sign_in(page, "admin.anna", "admin", "Anna Admin")
    page.goto("/staff/admin/deliveries")
    expect(page.get_by_role("heading", level=1)).to_have_text("Zustellprotokoll")
    assert_accessible(page)

    page.goto("/staff/admin/webhooks")
    page.get_by_label("Ereignisse").fill("appointments.appointment_confirmed")
    page.get_by_label("Empfangsadresse (URL)").fill("ftp://example.org/hook")
    page.get_by_label("Geheimnis zum Signieren").fill("a-webhook-secret-of-some-length")
    page.get_by_role("button", name="Webhook prüfen und hinzufügen").click()
    expect(page.get_by_role("alert")).to_contain_text("Empfangsadresse (URL)")
    assert_accessible(page)

    page.get_by_label("Ereignisse").fill("appointments.no_such_thing")
    page.get_by_label("Empfangsadresse (URL)").fill("http://127.0.0.1:9/hook")
    page.get_by_label("Geheimnis zum Signieren").fill("a-webhook-secret-of-some-length")
    page.get_by_role("button", name="Webhook prüfen und hinzufügen").click()
    expect(page.get_by_role("alert")).to_contain_text("Ereignisse: Ein solches Ereignis")
    assert_accessible(page)

    page.goto("/staff/admin/dead-letters")
    expect(page.get_by_text("Es gibt keine fehlgeschlagenen Ereignisse.")).to_be_visible()
    assert_accessible(page)


def a_malformed_notification_failed(amqp: str) -> str:
    """An event without its envelope: the applications service's handler refuses it, so it
    goes straight to the dead letters, as one that failed every try would."""
    message_id = str(uuid.uuid4())
    with confirmed_connection(amqp) as connection:
        connection.Producer().publish(
            {"type": "notification_failed", "payload": {}},
            exchange=get_event_exchange("notifications"),
            routing_key="notification_failed",
            serializer="json",
            message_id=message_id,
            type="notification_failed",
            delivery_mode=2,
        )
    return message_id


def dead_letter_named(amqp: str, message_id: str) -> bool:
    return any(letter.id.endswith(message_id) for letter in dead_letters.list_dead_letters(amqp))


def test_a_dead_letter_replayed_and_then_discarded_is_listed_as_changes_with_the_admin(
    page: Page, platform: Platform, vhost
):
    amqp = f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}"
    refused = a_malformed_notification_failed(amqp)
    wait_for(lambda: dead_letter_named(amqp, refused))
    sign_in(page, "admin.anna", "admin", "Anna Admin")

    page.goto("/staff/admin/dead-letters")
    letter = page.get_by_label("notification_failed in evt-notifications-notification_failed")
    letter.check()
    assert_accessible(page)
    page.get_by_role("button", name="Erneut zustellen").click()
    expect(page.get_by_role("status")).to_have_text(
        "Die gewählten Ereignisse werden erneut zugestellt."
    )
    changes = page.get_by_role("region", name="Änderungen")
    replayed = changes.get_by_role("row", name="Anna Admin")
    expect(replayed).to_contain_text("Fehlgeschlagenes Ereignis")
    expect(replayed).to_contain_text("erneut zugestellt")
    expect(replayed).to_contain_text("rathaus.redeliver/evt-notifications-notification_failed")
    assert_accessible(page)

    # refused again where it was replayed to, it is back among the dead letters
    wait_for(lambda: dead_letter_named(amqp, refused))
    page.reload()
    letter.check()
    page.get_by_role("button", name="Verwerfen").click()
    expect(page.get_by_role("status")).to_have_text("Die gewählten Ereignisse sind verworfen.")
    expect(page.get_by_text("Es gibt keine fehlgeschlagenen Ereignisse.")).to_be_visible()
    rows = changes.get_by_role("row", name="Anna Admin")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("verworfen")
    assert_accessible(page)


@pytest.mark.parametrize("role", ["clerk", "citizen"])
def test_a_clerk_and_a_citizen_open_no_administration_page(page: Page, platform: Platform, role):
    sign_in(page, f"someone.{role}", role, departments=("roads",) if role == "clerk" else ())
    expect(page.get_by_role("link", name="Verwaltung")).to_have_count(0)
    for path in ("/staff/admin", "/staff/admin/catalogue", "/staff/admin/dead-letters"):
        answer = page.goto(path)
        assert answer.status == 403
        expect(page.get_by_text("Diese Seite ist für Ihr Konto nicht vorgesehen.")).to_be_visible()
    assert_accessible(page)


def listed_change(page: Page, what: str) -> Locator:
    """The newest row of the page's "Änderungen" whose "Was" reads `what`, made by Anna
    Admin just now: the time it shows is today's, within the last minutes."""
    changes = page.get_by_role("region", name="Änderungen")
    row = changes.get_by_role("row").filter(has_text=what).first
    expect(row).to_contain_text("Anna Admin (admin.anna)")
    shown = row.get_by_role("cell").first.inner_text()
    at = datetime.strptime(shown, "%d.%m.%Y, %H:%M:%S").replace(tzinfo=OFFICE_TIMEZONE)
    assert timedelta(0) <= datetime.now(OFFICE_TIMEZONE) - at < timedelta(minutes=3), shown
    return row


def test_a_closed_day_is_saved_and_listed_with_its_before_and_after(page: Page, platform: Platform):
    day = datetime.now(OFFICE_TIMEZONE).date() + timedelta(days=200)
    sign_in(page, "admin.anna", "admin", "Anna Admin")
    open_town_hall(page)
    page.get_by_label("Neuer Schließtag").fill(day.isoformat())
    page.get_by_role("button", name="Speichern").first.click()
    expect(page.get_by_role("status")).to_have_text("Die Änderung ist gespeichert.")
    expect(
        page.get_by_label(f"{format_date(day, 'full', locale='de_DE')} entfernen")
    ).to_be_visible()
    row = listed_change(page, "Standort rathaus: geändert")
    listed = re.search(r"Schließtage: vorher (\[.*?\]), nachher (\[.*?\])", row.inner_text())
    assert listed, row.inner_text()
    before, after = (json.loads(days) for days in listed.groups())
    assert after == sorted([*before, day.isoformat()])
    assert_accessible(page)


def test_a_desk_count_is_saved_and_listed_with_its_before_and_after(page: Page, platform: Platform):
    sign_in(page, "admin.anna", "admin", "Anna Admin")
    open_town_hall(page)
    desks = page.get_by_role("table", name="Schalter an diesem Standort").get_by_role(
        "row", name="Führungszeugnis beantragen"
    )
    _service, before, online = desks.get_by_role("cell").all_inner_texts()
    after = str(int(before) + 1)  # one desk more: a save that changes nothing is no change
    page.get_by_label("Dienstleistung", exact=True).select_option(
        label="Führungszeugnis beantragen"
    )
    page.get_by_label("Schalter", exact=True).fill(after)
    page.get_by_label("Davon online buchbar").fill(online)
    page.get_by_role("button", name="Speichern").last.click()
    expect(page.get_by_role("status")).to_have_text("Die Änderung ist gespeichert.")
    expect(desks.get_by_role("cell")).to_have_text(["Führungszeugnis beantragen", after, online])
    row = listed_change(page, "Schalter rathaus/fuehrungszeugnis: geändert")
    expect(row).to_contain_text(f"Schalter: vorher {before}, nachher {after}")
    assert_accessible(page)


def test_a_service_change_is_saved_and_listed_with_its_before_and_after(
    page: Page, platform: Platform
):
    sign_in(page, "admin.anna", "admin", "Anna Admin")
    page.goto("/staff/admin/catalogue")
    page.get_by_role("link", name="Personalausweis beantragen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Personalausweis beantragen")
    assert_accessible(page)
    documents = page.get_by_label("Mitzubringende Unterlagen")
    documents.fill(documents.input_value() + "\nAlter Reisepass")
    page.get_by_role("button", name="Speichern").first.click()
    expect(page.get_by_role("status")).to_have_text("Die Änderung ist gespeichert.")
    # the documents kept are counted, the one added is shown: what changed is what is seen
    row = listed_change(page, "Dienstleistung personalausweis: geändert")
    expect(row).to_contain_text(
        re.compile(
            r'Mitzubringende Unterlagen: vorher nichts, nachher \["Alter Reisepass"\] '
            r"\(unveränderte Einträge: [1-9]\d*\)"
        )
    )
    assert_accessible(page)


def a_confirmation_for(amqp: str, address: str) -> None:
    """The appointments service's `appointment_confirmed` for a booking without an account:
    the notifications service mails it to `address`."""
    payload = {
        "appointment_id": str(uuid.uuid4()),
        "service": "personalausweis",
        "location": "rathaus",
        "start": "2026-12-01T09:00:00+01:00",
        "end": "2026-12-01T09:15:00+01:00",
        "citizen": None,
        "email": address,
        "name": "Bea Bounce",
        "language": "de",
        "service_name": "Personalausweis beantragen",
        "location_name": "Bürgerbüro im Rathaus",
        "location_address": "Am Vreithof 8, 59494 Soest",
        "documents": ["Biometrisches Passfoto"],
        "manage_url": "http://127.0.0.1:8000/appointments/manage?token=abc",
        "ics": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
    }
    publish("appointments", "appointment_confirmed", payload, amqp)


def test_a_message_refused_by_the_mailbox_is_re_sent_from_the_log_and_listed_as_a_change(
    page: Page, platform: Platform, vhost
):
    # the log shows an address masked (b***@...): a domain of her own picks her mail out
    domain = f"mail-{uuid.uuid4().hex[:8]}.example.org"
    address = f"bea@{domain}"
    # the mailbox refuses her mail for good (550) until the re-send
    platform.mail.stop()
    refusing = MailCatcher(platform.mail.port, platform.mail.folder, refuse=(address,)).start()
    try:
        a_confirmation_for(f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}", address)
        sign_in(page, "admin.anna", "admin", "Anna Admin")
        page.goto("/staff/admin/deliveries")
        page.get_by_label("Status").select_option(label="endgültig gescheitert")
        page.get_by_role("button", name="Anzeigen").click()
        log = page.get_by_role("table", name="Nachrichten, die neuesten zuerst")
        failed = log.get_by_role("row").filter(has_text=domain)

        def listed() -> bool:
            page.reload()
            return failed.count() == 1

        wait_for(listed, timeout=20, interval=0.5)
    finally:
        refusing.stop()
        platform.mail.start()
    failed.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nachricht im Zustellprotokoll")
    expect(page.get_by_role("definition").filter(has_text=f"b***@{domain}")).to_be_visible()
    expect(page.get_by_role("table", name="Zustellversuche")).to_contain_text("550")
    assert_accessible(page)
    message_id = page.url.rstrip("/").rsplit("/", 1)[-1]

    page.get_by_role("button", name="Erneut senden").click()
    expect(page.get_by_role("status")).to_have_text("Die Nachricht wird erneut gesendet.")
    listed_change(page, f"Nachricht {message_id}: erneut gesendet")
    assert_accessible(page)
    # it reaches her this time, and the log says so
    wait_for(lambda: platform.mail.to(address), timeout=20)

    def delivered() -> bool:
        page.reload()
        return page.get_by_role("definition").filter(has_text="zugestellt").count() == 1

    wait_for(delivered, timeout=20, interval=0.5)
    expect(page.get_by_role("button", name="Erneut senden")).to_have_count(0)


class Accepting(BaseHTTPRequestHandler):
    """A subscriber's endpoint: every POST (the signed test call) answered 204."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def subscriber() -> Iterator[str]:
    """The URL of a webhook receiver on loopback that answers the test call."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Accepting)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook-{uuid.uuid4().hex[:8]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_webhook_added_and_removed_is_listed_as_two_changes(
    page: Page, platform: Platform, subscriber: str
):
    hook = subscriber
    sign_in(page, "admin.anna", "admin", "Anna Admin")
    page.goto("/staff/admin/webhooks")
    page.get_by_label("Ereignisse").fill("appointments.appointment_confirmed")
    page.get_by_label("Empfangsadresse (URL)").fill(hook)
    page.get_by_label("Geheimnis zum Signieren").fill("a-webhook-secret-of-some-length")
    page.get_by_role("button", name="Webhook prüfen und hinzufügen").click()
    expect(page.get_by_role("status")).to_have_text("Der Webhook ist eingerichtet.")
    subscriptions = page.get_by_role("table", name="Webhooks, die Ereignisse erhalten")
    expect(subscriptions.get_by_role("row").filter(has_text=hook)).to_contain_text(
        "appointments.appointment_confirmed"
    )
    added = listed_change(page, "angelegt")
    expect(added).to_contain_text(f"Empfangsadresse: vorher nichts, nachher {hook}")
    expect(added).to_contain_text(
        'Ereignisse: vorher nichts, nachher ["appointments.appointment_confirmed"]'
    )
    webhook = re.search(r"Webhook (\S+): angelegt", added.inner_text()).group(1)
    assert_accessible(page)

    page.get_by_role("button", name=f"Webhook {hook} entfernen").click()
    expect(page.get_by_role("status")).to_have_text("Der Webhook ist entfernt.")
    expect(subscriptions.get_by_role("row").filter(has_text=hook)).to_have_count(0)
    removed = listed_change(page, f"Webhook {webhook}: entfernt")
    expect(removed).to_contain_text(f"Empfangsadresse: vorher {hook}, nachher nichts")
    assert_accessible(page)
