"""The portal's main pages as PNGs in docs/screenshots/, made again whenever the pages change.

    .venv/bin/python scripts/screenshots.py

Starts the platform as `make run` would (bench/portal_platform.py: a throwaway RabbitMQ
vhost, SQLite in a temporary folder, the demo office, mail to an SMTP server on loopback)
and walks it in Debian's Chromium: 1280 px wide, the whole page each; the start page at
320 px too. The booking is made through the pages and confirmed through the mailed link;
the proof of work is made small, so that the widget shows "Geprüft" at once. Map tiles
come from the tests' tile server on loopback (one plain colour: no street map leaves the
machine), so the feedback map shows its frame and markers on a blank ground. A citizen
applies for the dog tax (the form with its errors, the documents, the review, the receipt,
the case) and opens their documents, inbox and settings. Then a clerk
and an administrator walk the staff workspace: the desk, the hall's call display, the
worklist, the reports and the catalogue.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import warnings
from pathlib import Path

warnings.simplefilter("ignore")  # eventlet's deprecation notice, imported by the test helpers

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a file, not a module

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from bench.broker import throwaway_vhost, unreachable  # noqa: E402
from bench.portal_platform import Platform, platform  # noqa: E402
from services.common.settings import DEFAULT_AMQP_URI  # noqa: E402
from tests.portal.test_applications import fill_address, fill_dog, small_pdf  # noqa: E402
from tests.support.tiles import TileServer  # noqa: E402
from tests.support.waiting import wait_for  # noqa: E402

FOLDER = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}
ERIKA = "erika.mustermann@example.org"
SERVICE = "Personalausweis beantragen"


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=FOLDER / f"{name}.png", full_page=True, animations="disabled")
    print(f"docs/screenshots/{name}.png")


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def mailed_link(place: Platform, kind: str) -> str:
    def found() -> str | None:
        for message in place.mail.to(ERIKA):
            text = message.get_body(("plain",)).get_content()
            link = re.search(rf"{re.escape(place.url)}/appointments/{kind}\?token=\S+", text)
            if link:
                return link.group(0)
        return None

    return wait_for(found, timeout=30)


def booking(page: Page, place: Platform) -> None:
    page.goto("/")
    shoot(page, "start")
    page.get_by_role("link", name="Einen Termin buchen").click()
    shoot(page, "catalogue")
    page.get_by_role("link", name=f"Termin für „{SERVICE}“ buchen").click()
    page.get_by_role("button", name="Weiter").click()
    page.get_by_role("button", name="Weiter").click()
    heading(page, "Um wie viel Uhr möchten Sie kommen?")
    shoot(page, "booking-time")
    page.get_by_role("button", name="Weiter").click()

    heading(page, "Wer kommt zum Termin?")
    page.get_by_label("E-Mail-Adresse").fill("erika.mustermann")
    page.get_by_role("button", name="Termin reservieren").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_text("Geprüft", exact=True)).to_be_visible()
    shoot(page, "details-errors")

    page.get_by_label("Vor- und Nachname").fill("Erika Mustermann")
    page.get_by_label("E-Mail-Adresse").fill(ERIKA)
    page.get_by_role("button", name="Termin reservieren").click()
    heading(page, "Bitte prüfen Sie Ihr Postfach")
    shoot(page, "check-your-mail")

    page.goto(mailed_link(place, "confirm"))
    page.get_by_role("button", name="Termin bestätigen").click()
    heading(page, "Ihr Termin ist bestätigt")
    page.goto(mailed_link(place, "manage"))
    heading(page, "Ihr Termin")
    shoot(page, "manage")


def sign_in(page: Page, subject: str, role: str, departments: str = "") -> None:
    page.context.clear_cookies()
    page.goto("/sign-in")
    page.get_by_label("Benutzername").fill(subject)
    page.get_by_label(role).check()
    if departments:
        page.get_by_label("Fachbereiche").fill(departments)
    page.get_by_role("button", name="Anmelden").click()


def feedback(page: Page) -> None:
    sign_in(page, "clara", "Bürgerin oder Bürger")
    page.goto("/feedback/report?category=green_space")
    page.get_by_label("Titel", exact=True).fill("Bank im Park kaputt")
    page.get_by_label("Beschreibung", exact=True).fill("Die Lehne der Bank ist abgebrochen.")
    map_region = page.get_by_role("region", name="Karte: Ort wählen")
    box = map_region.bounding_box()
    map_region.click(position={"x": box["width"] / 2, "y": 150})
    shoot(page, "feedback-report")
    expect(page.get_by_text("Geprüft")).to_be_visible()
    page.get_by_role("button", name="Meldung absenden").click()
    heading(page, "Ihre Meldung ist eingegangen")
    page.goto("/feedback")
    expect(page.get_by_role("region", name="Karte", exact=False).first).to_be_visible()
    shoot(page, "feedback-map")


def applying(page: Page) -> None:
    sign_in(page, "jonas", "Bürgerin oder Bürger")
    page.goto("/applications")
    shoot(page, "applications")
    page.get_by_role("link", name="Hundesteuer-Anmeldung online beantragen").click()
    fill_dog(page, 1, "Bello", "12345")  # a chip number too short: the review says so
    page.get_by_role("button", name="Weiter zu den Unterlagen").click()
    heading(page, "Unterlagen hochladen")
    page.get_by_label("Herkunftsnachweis (Kaufvertrag, Tierheim)").check()
    page.get_by_label("Welche Datei möchten Sie hochladen?").set_input_files(
        {"name": "kaufvertrag.pdf", "mimeType": "application/pdf", "buffer": small_pdf("Bello")}
    )
    page.get_by_role("button", name="Hochladen", exact=True).click()
    expect(page.get_by_role("rowheader", name="kaufvertrag.pdf")).to_be_visible()
    shoot(page, "application-documents")
    page.get_by_role("link", name="Weiter zur Prüfung Ihrer Angaben").click()
    page.get_by_role("button", name="Antrag verbindlich absenden").click()
    expect(page.get_by_role("alert")).to_be_visible()
    shoot(page, "application-errors")

    page.goto(page.url.removesuffix("/review"))
    fill_dog(page, 1, "Bello", "276098106543210")
    page.get_by_label("Gehalten seit").fill("2024-05-01")
    fill_address(page)
    page.get_by_label("Vor- und Nachname").fill("Jonas Becker")
    page.get_by_label("E-Mail-Adresse").fill("jonas.becker@example.org")
    page.get_by_role("button", name="Weiter zu den Unterlagen").click()
    page.get_by_role("link", name="Weiter zur Prüfung Ihrer Angaben").click()
    heading(page, "Prüfen Sie Ihre Angaben")
    shoot(page, "application-review")
    page.get_by_role("button", name="Antrag verbindlich absenden").click()
    heading(page, "Ihr Antrag ist eingegangen")
    shoot(page, "application-receipt")
    page.goto("/applications/mine")
    shoot(page, "my-cases")
    page.get_by_role("table").get_by_role("link").first.click()
    shoot(page, "case")
    for name in ("documents", "inbox", "settings"):
        page.goto(f"/{name}")
        shoot(page, name)


def staff(page: Page) -> None:
    sign_in(page, "kim", "Sachbearbeitung", "buergerbuero, roads, parks, taxes")
    shoot(page, "staff-home")
    page.goto("/staff/desk?location=rathaus&desk=1")
    shoot(page, "staff-desk")
    page.goto("/staff/cases")
    shoot(page, "staff-cases")
    page.goto("/staff/feedback")
    shoot(page, "staff-feedback")
    page.goto("/staff/desk/display/rathaus?key=local-display")
    shoot(page, "call-display")
    sign_in(page, "anna", "Verwaltung der Plattform")
    page.goto("/staff/admin")
    shoot(page, "staff-admin")


class _Stopping:
    """The tile server, stopped when the screenshots are made."""

    def __init__(self, server: TileServer) -> None:
        self.server = server

    def close(self) -> None:
        self.server.stop()


def main() -> int:
    broker = os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)
    if unreachable(broker):
        return 1
    FOLDER.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=60_000)
    tiles = TileServer().start()
    with (
        contextlib.closing(_Stopping(tiles)),
        throwaway_vhost(broker) as uri,
        platform(uri, ALTCHA_MAX_NUMBER="2000", PORTAL_TILE_URL=tiles.tile_url) as place,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(base_url=place.url, locale="de-DE", viewport=WIDE)
        context.set_default_timeout(60_000)
        booking(context.new_page(), place)
        context.close()
        for walk in (feedback, applying, staff):
            context = browser.new_context(base_url=place.url, locale="de-DE", viewport=WIDE)
            context.set_default_timeout(60_000)
            walk(context.new_page())
            context.close()
        narrow = browser.new_context(base_url=place.url, locale="de-DE", viewport=NARROW)
        page = narrow.new_page()
        page.goto("/")
        shoot(page, "start-320")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
