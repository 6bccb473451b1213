"""The desk in the browser: a day at a service point with two appointments and a walk-in,
worked by keyboard and by click; the hall's call display showing each call within a
second and no names; the figures; and who may open what."""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from services.common.local_time import OFFICE_TIMEZONE
from tests.gateway.test_challenge import solved
from tests.portal.test_booking import mailed_link
from tests.support.portal import Platform, api_token, assert_accessible, sign_in
from tests.support.waiting import wait_for

API = "/api/v1/appointments"
HALL = "desk-hall"
HALL_NAME = "Servicepunkt Halle"
DISPLAY_KEY = "hall-display-9f2c"
SERVICE = "anmeldung"
SERVICE_NAME = "Anmeldung oder Ummeldung des Wohnsitzes"
ERIKA = ("erika.desk@example.org", "Erika Mustermann")
MAX = ("max.desk@example.org", "Max Muster")
# how long a test waits for the hall's display to show a call: the second the display is
# held to is a target of bench/staff_desk.py, measured on a quiet machine, not asserted here
ON_THE_DISPLAY = 10_000

# the citizens' office: the demo town files both locations' desks under it
OFFICE = ("buergerbuero",)


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    return {"DESK_DISPLAY_KEYS": f"{HALL}={DISPLAY_KEY}"}


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Platform:
    """A service point open around the clock, bookable from now on, with two desks."""
    admin = api_token(platform, "admin.olga", "admin")
    location = {
        "name": HALL_NAME,
        "address": "Bahnhofstraße 1, 59494 Soest",
        "slot_minutes": 15,
        "min_notice_minutes": 0,
        "max_days_ahead": 30,
        "opening_hours": [{"weekdays": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "24:00"}],
    }
    put = requests.put(
        f"{platform.url}{API}/catalogue/locations/{HALL}", json=location, headers=admin, timeout=10
    )
    assert put.status_code == 200, put.text
    capacity = requests.put(
        f"{platform.url}{API}/catalogue/locations/{HALL}/capacities/{SERVICE}",
        json={"desks": 2, "online_desks": 2},
        headers=admin,
        timeout=10,
    )
    assert capacity.status_code == 200, capacity.text
    return platform


# what a desk day in the browser needs of the office's day: a start at least 3 minutes ahead
# of a 30-minute service (the demo's Anmeldung) that ends by midnight, and the journey
DAY_LEFT_FOR_A_JOURNEY = timedelta(minutes=3 + 30 + 2)
# a test that waits for the next day may take that long more than the suite's limit
WAITS_FOR_A_DAY = pytest.mark.timeout(int(DAY_LEFT_FOR_A_JOURNEY.total_seconds()) + 180)


@pytest.fixture
def today() -> date:
    """The office's day, once enough of it is left for a desk day's journey: a test that starts
    in its last minutes waits for the next one, instead of finding no slot or ending tomorrow."""

    def day_with_room() -> date | None:
        now = datetime.now(OFFICE_TIMEZONE)
        tomorrow = now.date() + timedelta(days=1)
        midnight = datetime.combine(tomorrow, datetime.min.time(), OFFICE_TIMEZONE)
        return now.date() if midnight - now >= DAY_LEFT_FOR_A_JOURNEY else None

    timeout = DAY_LEFT_FOR_A_JOURNEY.total_seconds() + 60
    return wait_for(day_with_room, timeout=timeout, interval=1)


def book_today(platform: Platform, today: date, email: str, name: str) -> str:
    """The next free slot at the hall today, held and confirmed by the mailed link; its start."""
    free = requests.get(
        f"{platform.url}{API}/availability",
        params={
            "service": SERVICE,
            "location": HALL,
            "from": today.isoformat(),
            "to": (today + timedelta(days=1)).isoformat(),
        },
        timeout=10,
    ).json()
    [day] = [d for d in free["locations"][0]["days"] if d["date"] == today.isoformat()][:1]
    # a time a few minutes ahead: the first may begin before the hold arrives
    soon = (datetime.now(OFFICE_TIMEZONE) + timedelta(minutes=3)).strftime("%H:%M")
    time_of_day = next(time for time in day["times"] if time >= soon)
    start = f"{day['date']}T{time_of_day}:00{day['utc_offset']}"
    challenge = requests.get(f"{platform.url}{API}/challenge", timeout=10).json()
    held = requests.post(
        f"{platform.url}{API}/holds",
        json={
            "service": SERVICE,
            "location": HALL,
            "start": start,
            "email": email,
            "name": name,
            "altcha": solved(challenge),
        },
        timeout=10,
    )
    assert held.status_code == 201, held.text
    token = parse_qs(urlparse(mailed_link(platform, email, "confirm")).query)["token"][0]
    confirmed = requests.post(
        f"{platform.url}{API}/confirmations", json={"token": token}, timeout=10
    )
    assert confirmed.status_code == 200, confirmed.text
    return start


def open_display(browser: Browser, platform: Platform) -> Page:
    """The hall's screen: no one signed in, the key given once."""
    context = browser.new_context(base_url=platform.url, locale="de-DE")
    display = context.new_page()
    display.goto(f"/staff/desk/display/{HALL}?key={DISPLAY_KEY}")
    expect(display).to_have_url(f"{platform.url}/staff/desk/display/{HALL}")
    expect(display.get_by_role("heading", level=1)).to_have_text(f"Aufruf \N{EN DASH} {HALL_NAME}")
    return display


def expect_called(display: Page, ticket: str, desk: int) -> None:
    """Wait until the display shows the call."""
    expect(display.get_by_role("main")).to_contain_text(
        re.compile(rf"Nummer\s*{ticket}\s*→\s*Schalter\s*{desk}"), timeout=ON_THE_DISPLAY
    )


@WAITS_FOR_A_DAY
def test_a_desk_day_two_appointments_and_a_walk_in_called_served_and_no_show(
    page: Page, browser: Browser, hall: Platform, today: date
):
    book_today(hall, today, *ERIKA)
    book_today(hall, today, *MAX)
    display = open_display(browser, hall)
    expect(display.get_by_text("Gerade wird niemand aufgerufen.")).to_be_visible()
    assert_accessible(display)

    sign_in(page, "clerk.dora", "clerk", "Dora Schalter", departments=OFFICE)
    page.goto("/staff/desk")
    assert_accessible(page)
    page.get_by_label(HALL_NAME).check()
    page.get_by_label("Ihr Schalter (Nummer)").fill("3")  # the hall has two desks
    page.get_by_role("button", name="Schalter öffnen").click()
    expect(page.get_by_role("alert")).to_contain_text("Ihr Schalter (Nummer)")
    assert_accessible(page)
    page.get_by_label("Ihr Schalter (Nummer)").fill("1")
    page.get_by_role("button", name="Schalter öffnen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Schalter 1 \N{EN DASH} {HALL_NAME}")
    assert "desk=1" in page.url and f"location={HALL}" in page.url  # remembered in the address
    assert_accessible(page)

    # Erika arrives: checked in from the expected part of the list, by keyboard
    page.get_by_role("link", name="Erwartet (2)").click()
    check_in = page.get_by_role("button", name=re.compile(r"^Einchecken\W.*Erika Mustermann"))
    check_in.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Wartend (1)")).to_be_visible()
    assert_accessible(page)

    # a walk-in takes a ticket for the same queue, told the wait
    page.get_by_label("Anliegen").select_option(label=SERVICE_NAME)
    page.get_by_role("button", name="Wartenummer ausgeben").click()
    expect(page.get_by_role("main").get_by_text("Wartenummer 002 ausgegeben")).to_be_visible()
    expect(
        page.get_by_role("main").get_by_text(
            re.compile(r"Voraussichtliche Wartezeit: etwa \d+ Minuten")
        )
    ).to_be_visible()
    expect(page.get_by_role("link", name="Wartend (2)")).to_be_visible()
    assert_accessible(page)

    # one key calls the next: the walk-in (002), who came before Erika's time, to desk 1,
    # on the hall's display within a second; and does not come to the desk
    expect_keys_ready(page)
    page.keyboard.press("n")
    expect_called(display, "002", 1)
    expect(page.get_by_role("main").get_by_text("Nummer 002", exact=True)).to_be_visible()
    assert_accessible(display)
    page.keyboard.press("x")
    expect(page.get_by_role("main").get_by_text("Als nicht erschienen vermerkt.")).to_be_visible()
    expect(display.get_by_text("Gerade wird niemand aufgerufen.")).to_be_visible()

    # then Erika (001), with one click; the display shows her number, never her name
    page.get_by_role("button", name="Nächste Nummer aufrufen").click()
    expect_called(display, "001", 1)
    assert "Erika" not in display.get_by_role("main").inner_text()
    assert_accessible(page)
    page.keyboard.press("s")  # served
    expect(
        page.get_by_role("main").get_by_text("Gerade ist niemand an Ihren Schalter aufgerufen.")
    ).to_be_visible()
    expect(display.get_by_text("Gerade wird niemand aufgerufen.")).to_be_visible()

    # Max never came: a no-show from the expected part, one click
    page.get_by_role("link", name="Erwartet (1)").click()
    expect(page).to_have_url(re.compile("section=expected"))
    page.get_by_role("button", name=re.compile(r"^Nicht erschienen\W.*Max Muster")).click()
    expect(page.get_by_role("link", name="Erledigt (1)")).to_be_visible()
    expect(page.get_by_role("link", name="Nicht erschienen (2)")).to_be_visible()
    page.get_by_role("link", name="Nicht erschienen (2)").click()
    assert_accessible(page)

    # the figures: booked two, one walk-in, one served, two no-shows
    page.get_by_role("link", name="Zahlen des Standorts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zahlen je Standort und Anliegen")
    row = page.get_by_role("row", name=re.compile(SERVICE_NAME))
    minutes = re.compile(r"^\d+\.\d$")  # how long Erika and the walk-in waited to be called
    expect(row.get_by_role("cell")).to_have_text(["2", "1", "1", "2", "66.7 %", minutes, minutes])
    expect(page.get_by_role("img", name=re.compile("Gebucht, ohne Termin"))).to_be_visible()
    assert_accessible(page)
    display.context.close()


def test_the_desk_follows_another_desks_moves_live_and_keeps_the_clerks_place(
    page: Page, browser: Browser, hall: Platform
):
    sign_in(page, "clerk.dora", "clerk", departments=OFFICE)
    page.goto(f"/staff/desk?location={HALL}&desk=1")
    other = browser.new_context(base_url=hall.url, locale="de-DE").new_page()
    sign_in(other, "clerk.udo", "clerk", departments=OFFICE)
    other.goto(f"/staff/desk?location={HALL}&desk=2")
    waiting = int(
        re.search(r"\d+", page.get_by_role("link", name=re.compile("^Wartend")).inner_text())[0]
    )
    # this clerk is about to choose a walk-in's service when the list changes
    service = page.get_by_label("Anliegen")
    service.focus()

    other.get_by_role("button", name="Wartenummer ausgeben").click()

    expect(page.get_by_role("link", name=f"Wartend ({waiting + 1})")).to_be_visible(timeout=2000)
    expect(service).to_be_focused()
    other.context.close()


def test_a_citizen_opens_no_desk_page_and_a_display_needs_its_key(
    page: Page, browser: Browser, hall: Platform
):
    page.goto("/staff/desk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")

    sign_in(page, "erika", "citizen")
    for path in ("/staff/desk", f"/staff/desk?location={HALL}&desk=1", "/staff/desk/statistics"):
        answer = page.goto(path)
        assert answer.status == 403, path
        expect(page.get_by_text("Diese Seite ist für Ihr Konto nicht vorgesehen.")).to_be_visible()
    assert_accessible(page)
    assert page.request.get(f"/staff/desk/{HALL}/events").status == 403
    assert page.goto(f"/staff/desk/display/{HALL}").status == 403
    assert page.goto(f"/staff/desk/display/{HALL}?key=guessed").status == 403
    assert_accessible(page)


# each tone the page starts through the Web Audio API, reported to the test: the chime is
# two oscillators, so what a person in the hall would hear is which tones were started
RECORD_TONES = """
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.toneStarted(this.frequency.value);
  return start.apply(this, args);
};
"""


def open_display_listening(browser: Browser, platform: Platform) -> tuple[Page, list[float]]:
    """The hall's display on a screen of a hall's size, with the tones it plays recorded."""
    tones: list[float] = []
    context = browser.new_context(
        base_url=platform.url, locale="de-DE", viewport={"width": 1920, "height": 1080}
    )
    context.expose_function("toneStarted", lambda pitch: tones.append(pitch))
    context.add_init_script(RECORD_TONES)
    display = context.new_page()
    display.goto(f"/staff/desk/display/{HALL}?key={DISPLAY_KEY}")
    expect(display.get_by_role("heading", level=1)).to_have_text(f"Aufruf \N{EN DASH} {HALL_NAME}")
    return display, tones


def expect_chime(display: Page, tones: list[float], timeout: float = 5) -> None:
    """The display played its chime, the two tones of it, once; then the list is emptied for
    the next cue. The page's reports come in only while Playwright is waited on, so the test
    waits on the page rather than sleeping."""
    deadline = time.monotonic() + timeout
    while len(tones) < 2 and time.monotonic() < deadline:
        display.wait_for_timeout(50)
    display.wait_for_timeout(500)  # a second chime for the same call would be in by now
    assert tones == [660, 880], tones
    tones.clear()


def font_pixels(element) -> float:
    return element.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")


def test_a_call_is_shown_in_large_type_with_a_flash_an_announcement_and_a_chime(
    page: Page, browser: Browser, hall: Platform
):
    display, tones = open_display_listening(browser, hall)
    # a browser that may not play sound unprompted: someone turns it on once, and hears it
    display.get_by_role("button", name="Ton einschalten").click()
    expect(display.get_by_role("button", name="Ton einschalten")).to_be_hidden()
    expect_chime(display, tones)

    sign_in(page, "clerk.udo", "clerk", "Udo Schalter", departments=OFFICE)
    page.goto(f"/staff/desk?location={HALL}&desk=2")
    page.get_by_role("button", name="Wartenummer ausgeben").click()
    issued = page.get_by_role("main").get_by_text(re.compile(r"^Wartenummer \d{3} ausgegeben$"))
    expect(issued).to_be_visible()
    expect_keys_ready(page)
    page.keyboard.press("n")
    at_desk = page.get_by_role("region", name="An Ihrem Schalter")
    called = at_desk.get_by_text(re.compile(r"^Nummer \d{3}$"))
    ticket = called.inner_text().split()[-1]

    hall_screen = display.get_by_role("main")
    number = hall_screen.get_by_text(ticket, exact=True)
    desk = hall_screen.get_by_text("2", exact=True)
    expect(number).to_be_visible(timeout=ON_THE_DISPLAY)
    expect(desk).to_be_visible()
    # large type, to be read across the hall: far above body text's 16 px (read again
    # until the page read after the stream's message has put in its own copy of the call)
    wait_for(lambda: font_pixels(number) >= 48 and font_pixels(desk) >= 48, timeout=10)
    # the visible cue: the new call flashes
    flashing = "e => e.parentElement.getAnimations().map(a => a.animationName)"
    wait_for(lambda: "call-flash" in number.evaluate(flashing), timeout=5)
    # for assistive technology, the call is announced in a live region
    expect(display.get_by_role("status")).to_have_text(f"Nummer {ticket} → Schalter 2")
    # the audible cue: the chime, once for the call
    expect_chime(display, tones)
    assert_accessible(display)

    page.keyboard.press("s")  # served, so the queue is left as it was found
    expect(
        page.get_by_role("main").get_by_text("Gerade ist niemand an Ihren Schalter aufgerufen.")
    ).to_be_visible()
    display.context.close()


KARL = ("karl.keys@example.org", "Karl Tastatur")
# the focused element draws a ring a person can see: an outline or a box shadow
FOCUS_DRAWN = """() => {
  const focused = document.activeElement;
  const style = getComputedStyle(focused);
  const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return focused.matches(":focus-visible") && (outlined || style.boxShadow !== "none");
}"""


def expect_keys_ready(page: Page) -> None:
    """The desk's keys work once its script has run, which shows the switch that turns
    them off: a key pressed before that goes nowhere, as it would for a person."""
    expect(page.get_by_label("Tastenkürzel verwenden")).to_be_visible()


def expect_focus_visible(page: Page, element) -> None:
    expect(element).to_be_focused()
    assert page.evaluate(FOCUS_DRAWN), page.evaluate("document.activeElement.outerHTML")


def tab_to(page: Page, element, presses: int = 80) -> None:
    """Tab through the page, as a person would, until `element` has the focus."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if element.evaluate("e => e === document.activeElement"):
            expect_focus_visible(page, element)
            return
    raise AssertionError(f"{element} not reached with {presses} presses of Tab")


@WAITS_FOR_A_DAY
def test_the_desk_is_worked_from_the_staff_home_to_the_figures_by_keyboard_alone(
    page: Page, browser: Browser, hall: Platform, today: date
):
    book_today(hall, today, *KARL)
    display, tones = open_display_listening(browser, hall)
    display.get_by_role("button", name="Ton einschalten").click()
    expect_chime(display, tones)

    sign_in(page, "clerk.kai", "clerk", "Kai Tastatur", departments=OFFICE)
    page.goto("/staff")
    # the staff home to the desk: Tab to its link, Enter
    tab_to(page, page.get_by_role("main").get_by_role("link", name="Schalter"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Schalter wählen")
    # the hall chosen with the arrow keys in its group, the desk's number typed
    tab_to(page, page.get_by_role("radio").first)
    hall_choice = page.get_by_role("radio", name=HALL_NAME)
    for _ in range(20):
        if hall_choice.is_checked():
            break
        page.keyboard.press("ArrowDown")
    expect(hall_choice).to_be_checked()
    expect_focus_visible(page, hall_choice)
    page.keyboard.press("Tab")
    expect_focus_visible(page, page.get_by_label("Ihr Schalter (Nummer)"))
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Schalter 2 \N{EN DASH} {HALL_NAME}")

    # W goes to the walk-in's service; Tab, Enter issues the ticket
    expect_keys_ready(page)
    page.keyboard.press("w")
    expect_focus_visible(page, page.get_by_label("Anliegen"))
    page.keyboard.type("Anmeldung")  # the select's own search by typing
    expect(page.get_by_label("Anliegen")).to_have_value(SERVICE)
    page.keyboard.press("Tab")
    expect_focus_visible(page, page.get_by_role("button", name="Wartenummer ausgeben"))
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("main").get_by_text(re.compile(r"^Wartenummer \d{3} ausgegeben$"))
    ).to_be_visible()

    # N calls the next; the hall sees and hears it
    at_desk = page.get_by_role("region", name="An Ihrem Schalter")
    page.keyboard.press("n")
    called = at_desk.get_by_text(re.compile(r"^Nummer \d{3}$"))
    expect(called).to_be_visible()
    ticket = called.inner_text().split()[-1]
    expect_called(display, ticket, 2)
    expect_chime(display, tones)
    # R calls the same number again: the hall hears it again, the desk still has it
    page.keyboard.press("r")
    expect_chime(display, tones)
    expect(display.get_by_role("status")).to_have_text(f"Nummer {ticket} → Schalter 2")
    expect(called).to_have_text(f"Nummer {ticket}")
    # S: served
    page.keyboard.press("s")
    expect(at_desk.get_by_text("Gerade ist niemand an Ihren Schalter aufgerufen.")).to_be_visible()

    # Karl never came: the expected part of the list, Tab to his no-show, Enter
    tab_to(page, page.get_by_role("link", name=re.compile(r"^Erwartet \(\d+\)$")))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("section=expected"))
    no_show = page.get_by_role("button", name=re.compile(rf"^Nicht erschienen\W.*{KARL[1]}"))
    tab_to(page, no_show)
    page.keyboard.press("Enter")
    expect(no_show).to_have_count(0)
    expect(page.get_by_role("main").get_by_text("Als nicht erschienen vermerkt.")).to_be_visible()

    # and the location's figures
    tab_to(page, page.get_by_role("link", name="Zahlen des Standorts"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Zahlen je Standort und Anliegen")
    expect(page.get_by_role("row", name=re.compile(SERVICE_NAME))).to_be_visible()
    assert_accessible(page)
    display.context.close()
