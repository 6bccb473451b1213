"""Booking an appointment from the sofa, and every link the platform mails about it."""

from __future__ import annotations

import re
from datetime import date, datetime

import icalendar
import requests
from babel.dates import format_date
from playwright.sync_api import Browser, Page, expect

from services.common.local_time import OFFICE_TIMEZONE
from tests.support.portal import Platform, assert_accessible, sign_in
from tests.support.waiting import wait_for

ERIKA = "erika.mustermann@example.org"
# the dash between opening and closing time, as the locations page writes it
TO = "\N{EN DASH}"


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


BOOKING_PAGES = ("/", "/appointments", "/locations", "/appointments/book?service=personalausweis")


def sideways_scroll(page: Page) -> int:
    """How far the page scrolls sideways: more than 0 is content cut off at this width."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_the_booking_pages_reflow_at_320_css_pixels(page: Page, platform: Platform):
    # WCAG 1.4.10 reflow: 320 CSS pixels wide, nothing to scroll sideways
    page.set_viewport_size({"width": 320, "height": 800})
    for path in BOOKING_PAGES:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert sideways_scroll(page) <= 0, f"{path} scrolls sideways at 320 px"


def test_the_booking_pages_work_at_200_percent_zoom(browser: Browser, platform: Platform):
    # a 1280 x 800 window zoomed to 200 % lays pages out in 640 x 400 CSS pixels, each
    # drawn with two device pixels: the same as this context (WCAG 1.4.4 resize text)
    zoomed = browser.new_context(
        base_url=platform.url,
        locale="de-DE",
        viewport={"width": 640, "height": 400},
        device_scale_factor=2,
    )
    page = zoomed.new_page()
    try:
        assert page.evaluate("window.devicePixelRatio") == 2
        for path in BOOKING_PAGES:
            page.goto(path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert sideways_scroll(page) <= 0, f"{path} scrolls sideways at 200 % zoom"
            assert_accessible(page)
    finally:
        zoomed.close()


def test_the_catalogue_says_for_each_service_what_to_bring_how_long_it_takes_and_where(
    page: Page, platform: Platform
):
    page.goto("/")
    page.get_by_role("link", name="Einen Termin buchen").click()

    # the seeded Führungszeugnis: one 15-minute slot, only at the town hall
    card = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Führungszeugnis beantragen")
    )
    expect(card.get_by_text("Dauer: etwa 15 Minuten")).to_be_visible()
    bring = card.get_by_role("list", name="Bitte mitbringen").get_by_role("listitem")
    expect(bring).to_have_text(
        [
            "Personalausweis oder Reisepass",
            "für ein erweitertes Führungszeugnis: die schriftliche Aufforderung des "
            "Arbeitgebers oder Vereins",
        ]
    )
    where = card.get_by_role("list", name="Wo").get_by_role("listitem")
    expect(where).to_have_text(["Bürgerbüro im Rathaus, Am Vreithof 8, 59494 Soest"])

    # the identity card takes two slots and is offered in both offices
    card = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Personalausweis beantragen")
    )
    expect(card.get_by_text("Dauer: etwa 30 Minuten")).to_be_visible()
    expect(card.get_by_role("list", name="Wo").get_by_role("listitem")).to_have_text(
        [
            "Bürgerbüro im Rathaus, Am Vreithof 8, 59494 Soest",
            "Bürgerbüro Soest-Nord, Paradieser Weg 40, 59494 Soest",
        ]
    )
    assert_accessible(page)


def test_the_locations_page_shows_each_offices_opening_hours_and_closed_days(
    page: Page, platform: Platform
):
    page.goto("/")
    page.get_by_role("link", name="Standorte und Öffnungszeiten").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Standorte und Öffnungszeiten")
    town_hall = page.get_by_role("region", name="Bürgerbüro im Rathaus")
    expect(town_hall.get_by_text("Am Vreithof 8, 59494 Soest")).to_be_visible()
    hours = town_hall.get_by_role("table", name="Öffnungszeiten: Bürgerbüro im Rathaus")
    expect(hours.get_by_role("row")).to_have_text(
        [
            "Tage Uhrzeit",
            f"Montag, Dienstag, Mittwoch, Donnerstag, Freitag 08:00{TO}12:30",
            f"Dienstag 14:00{TO}16:00",
            f"Donnerstag 14:00{TO}18:00",
        ]
    )
    north = page.get_by_role("region", name="Bürgerbüro Soest-Nord")
    hours = north.get_by_role("table", name="Öffnungszeiten: Bürgerbüro Soest-Nord")
    expect(hours.get_by_role("row")).to_have_text(
        [
            "Tage Uhrzeit",
            f"Montag, Mittwoch, Freitag 08:30{TO}12:00",
            f"Mittwoch 14:00{TO}17:00",
            # the branch's Saturday is every other week: a citizen must not come in vain
            f"Samstag (alle 2 Wochen) 09:00{TO}12:00",
        ]
    )
    # both close on Christmas Eve and New Year's Eve, this year and next, on top of holidays
    today = datetime.now(OFFICE_TIMEZONE).date()
    closed = [
        format_date(date(year, 12, day), "full", locale="de")
        for year in (today.year, today.year + 1)
        for day in (24, 31)
    ]
    for office in (town_hall, north):
        expect(
            office.get_by_role("list", name="Zusätzlich geschlossen").get_by_role("listitem")
        ).to_have_text(closed)
        expect(office.get_by_text("An gesetzlichen Feiertagen")).to_be_visible()
    assert_accessible(page)


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
