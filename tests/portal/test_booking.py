"""Booking an appointment from the sofa, and every link the platform mails about it."""

from __future__ import annotations

import re
from datetime import datetime

import icalendar
import pytest
import requests
from playwright.sync_api import Page, expect

from tests.support.portal import Platform, assert_accessible, sign_in
from tests.support.waiting import wait_for

ERIKA = "erika.mustermann@example.org"


def mailed_link(platform: Platform, address: str, kind: str, count: int = 1) -> str:
    """The `kind` link (confirm, manage) of the `count`-th mail to `address` that has one."""

    def links() -> list[str]:
        found = []
        for message in platform.mail.to(address):
            text = message.get_body(("plain",)).get_content()
            found += re.findall(rf"{re.escape(platform.url)}/appointments/{kind}\?token=\S+", text)
        return found if len(found) >= count else []

    return wait_for(links, timeout=20)[count - 1]


def book(page: Page, email: str) -> str:
    """Book the first free time of the first day through the pages; the chosen start."""
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="Einen Termin buchen").click()
    assert_accessible(page)
    page.get_by_role("link", name="Termin für „Personalausweis beantragen“ buchen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Wo möchten Sie den Termin wahrnehmen?"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("An welchem Tag möchten Sie kommen?")
    assert_accessible(page)
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Um wie viel Uhr möchten Sie kommen?")
    assert_accessible(page)
    start = page.get_by_role("radio").first.get_attribute("value")
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wer kommt zum Termin?")
    page.get_by_label("Vor- und Nachname").fill("Erika Mustermann")
    page.get_by_label("E-Mail-Adresse").fill(email)
    expect(page.get_by_text("Geprüft", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Termin reservieren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bitte prüfen Sie Ihr Postfach")
    assert_accessible(page)
    return start


def test_book_confirm_by_mail_download_the_calendar_reschedule_from_the_older_mail_and_cancel(
    page: Page, platform: Platform
):
    start = book(page, ERIKA)

    page.goto(mailed_link(platform, ERIKA, "confirm"))
    assert_accessible(page)
    page.get_by_role("button", name="Termin bestätigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihr Termin ist bestätigt")
    assert_accessible(page)

    first_manage_link = mailed_link(platform, ERIKA, "manage")
    page.goto(first_manage_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihr Termin")
    expect(page.get_by_text("bestätigt", exact=True)).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Termin in den Kalender übernehmen (.ics)").click()
    calendar = icalendar.Calendar.from_ical(download.value.path().read_bytes())
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == datetime.fromisoformat(start)

    page.get_by_role("link", name="Einen anderen Tag oder eine andere Uhrzeit wählen").click()
    assert_accessible(page)
    page.get_by_role("radio").nth(1).check()  # another day
    page.get_by_role("button", name="Weiter").click()
    new_start = page.get_by_role("radio").first.get_attribute("value")
    expect(page.get_by_text("Geprüft", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Termin verschieben").click()
    expect(page.get_by_role("status")).to_contain_text("Ihr Termin ist verschoben.")
    assert new_start != start

    # the first mail's link still reaches the appointment as it is now, and cancels it
    page.goto(first_manage_link)
    moved = datetime.fromisoformat(new_start)
    expect(page.get_by_text(f"{moved:%H:%M}")).to_be_visible()
    page.get_by_role("button", name="Termin absagen").click()
    expect(page.get_by_role("status")).to_contain_text("Ihr Termin ist abgesagt.")
    expect(page.get_by_text("abgesagt", exact=True)).to_be_visible()
    assert_accessible(page)


def test_a_stale_link_a_forged_form_and_an_unknown_page_each_get_a_clear_page(
    page: Page, platform: Platform
):
    page.goto("/appointments/manage?token=not-a-token-we-mailed")
    expect(page.get_by_role("heading", level=1)).to_have_text("Das hat nicht geklappt")
    expect(page.get_by_text("Dieser Link ist nicht (mehr) gültig.", exact=False)).to_be_visible()
    assert_accessible(page)

    page.goto("/appointments/confirm?token=whatever")
    page.locator("input[name=csrf_token]").evaluate("field => field.value = 'forged'")
    page.get_by_role("button", name="Termin bestätigen").click()
    expect(page.get_by_text("Das Formular ist abgelaufen", exact=False)).to_be_visible()
    assert_accessible(page)

    answer = page.goto("/there/is/no/such/page")
    assert answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Seite nicht gefunden")
    assert "json" not in answer.headers["content-type"]
    assert_accessible(page)


def test_the_details_form_shows_each_error_at_its_field_and_in_the_summary_in_english(
    page: Page, platform: Platform
):
    page.goto("/appointments?lang=en")
    page.get_by_role("link", name="Book an appointment for “Personalausweis beantragen”").click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("E-mail address").fill("not-an-address")
    page.get_by_role("button", name="Reserve the appointment").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please check what you entered")
    expect(summary.get_by_role("link", name="Full name: Please fill this in.")).to_be_visible()
    expect(
        summary.get_by_role("link", name=re.compile("E-mail address: Enter an e-mail"))
    ).to_be_visible()
    expect(page.get_by_label("Full name")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    # the refused form's page has no address of its own: German leads back to the form
    page.get_by_role("link", name="Deutsch").click()
    expect(page.get_by_role("button", name="Termin reservieren")).to_be_visible()


def test_pages_travel_compressed_to_a_browser_that_takes_it(platform: Platform):
    compressed = requests.get(
        f"{platform.url}/appointments", headers={"Accept-Encoding": "gzip"}, timeout=10
    )
    plain = requests.get(
        f"{platform.url}/appointments", headers={"Accept-Encoding": "identity"}, timeout=10
    )

    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    assert compressed.text.count("Termin buchen") == plain.text.count("Termin buchen") > 0
    assert int(compressed.headers["Content-Length"]) < len(plain.content) / 2


@pytest.mark.parametrize("width", [320, 640])
def test_the_booking_pages_fit_a_narrow_screen(page: Page, platform: Platform, width: int):
    page.set_viewport_size({"width": width, "height": 800})
    for path in ("/", "/appointments", "/appointments/book?service=personalausweis"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow} px at {width} px"


def test_a_signed_in_citizen_sees_and_cancels_their_own_appointment(page: Page, platform: Platform):
    sign_in(page, "erika-signed-in", name="Erika Mustermann")
    book(page, "erika.signed-in@example.org")
    page.goto(mailed_link(platform, "erika.signed-in@example.org", "confirm"))
    page.get_by_role("button", name="Termin bestätigen").click()

    page.get_by_role("link", name="Meine Termine").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Termine")
    assert_accessible(page)
    page.get_by_role("button", name="Termin absagen").click()
    expect(page.get_by_role("status")).to_contain_text("Ihr Termin ist abgesagt.")
    expect(page.get_by_text("abgesagt", exact=True)).to_be_visible()


def test_a_signed_in_page_sends_a_visitor_to_sign_in_and_back(page: Page, platform: Platform):
    page.goto("/appointments/mine")

    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    page.get_by_label("Benutzername").fill("max")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Termine")
    expect(page.get_by_text("Sie haben keine Termine.")).to_be_visible()
