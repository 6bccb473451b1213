"""Booking an appointment by keyboard alone: Tab, Shift+Tab, Enter, Space, the arrow keys and
typing into the field that has the focus; never a click.

On every page the first Tab lands on the skip link, and each stop after it is the control a
person would expect next, with a focus ring they can see.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.portal.test_booking import mailed_link
from tests.support.portal import Platform, assert_accessible

KAI = "kai.tastatur@example.org"
SERVICE = "Personalausweis beantragen"
# stops a person passes on the catalogue before the service they want, at most
CATALOGUE_STOPS = 20

# The element that has the focus, inside a widget's shadow root too, and whether its focus
# ring shows: an outline or a box shadow as the browser draws it now.
FOCUS_RING = """() => {
  let element = document.activeElement;
  while (element && element.shadowRoot && element.shadowRoot.activeElement) {
    element = element.shadowRoot.activeElement;
  }
  if (!element || element === document.body) return {ring: false, what: "nothing"};
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== "none" && style.boxShadow !== "";
  const box = element.getBoundingClientRect();
  return {
    ring: (outline || shadow) && box.width > 0 && box.height > 0,
    what: `${element.tagName.toLowerCase()} ${element.getAttribute("type") || ""} `
      + `"${(element.innerText || element.value || "").trim().slice(0, 60)}"`,
  };
}"""


def assert_focus_visible(page: Page) -> None:
    shown = page.evaluate(FOCUS_RING)
    assert shown["ring"], f"{page.url}: no visible focus ring on {shown['what']}"


def tab_to(page: Page, expected: Locator, key: str = "Tab") -> None:
    """One press of Tab (or Shift+Tab) lands on `expected`, which shows its focus."""
    page.keyboard.press(key)
    try:
        expect(expected).to_be_focused()
    except AssertionError as missed:
        shown = page.evaluate(FOCUS_RING)
        raise AssertionError(f"{page.url}: {key} led to {shown['what']}") from missed
    assert_focus_visible(page)


def skip_to_content(page: Page) -> None:
    """The first stop is the skip link; it takes the focus past the header to the content.

    The page has loaded first: Chromium focuses a link's target again when the page's last
    script arrives, which would pull the focus back from the stop after the skip link.
    """
    page.wait_for_load_state("load")
    tab_to(page, page.get_by_role("link", name="Zum Inhalt springen"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


def tab_past_the_choices_made(page: Page, count: int) -> None:
    """The "Ändern" links of what has been chosen so far, in the order chosen."""
    for number in range(count):
        tab_to(page, page.get_by_role("link", name=re.compile(r"^Ändern ")).nth(number))


def choose_by_arrows(page: Page, answer: int = 0) -> str:
    """Tab into the radio group, move to the second answer and back to the first with the
    arrow keys (which choose as they move), then down to `answer` (when there is one), go
    on with Tab to "Weiter"; the chosen value."""
    radios = page.get_by_role("radio")
    tab_to(page, radios.first)
    expect(radios.first).to_be_checked()
    if radios.count() > 1:
        page.keyboard.press("ArrowDown")
        expect(radios.nth(1)).to_be_focused()
        expect(radios.nth(1)).to_be_checked()
        assert_focus_visible(page)
        page.keyboard.press("ArrowUp")
        expect(radios.first).to_be_focused()
        expect(radios.first).to_be_checked()
    answer = min(answer, radios.count() - 1)
    for _ in range(answer):
        page.keyboard.press("ArrowDown")
    expect(radios.nth(answer)).to_be_checked()
    chosen = radios.nth(answer).get_attribute("value")
    tab_to(page, page.get_by_role("button", name="Weiter"))
    return chosen


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_a_citizen_books_and_confirms_an_appointment_by_keyboard_alone(
    page: Page, platform: Platform
):
    page.goto("/")
    skip_to_content(page)
    tab_to(page, page.get_by_role("link", name="Einen Termin buchen"))
    page.keyboard.press("Enter")

    heading(page, "Termin buchen")
    skip_to_content(page)
    wanted = page.get_by_role("link", name=f"Termin für „{SERVICE}“ buchen")
    for _ in range(CATALOGUE_STOPS):  # past the other services' links, each in turn
        page.keyboard.press("Tab")
        name = page.evaluate("document.activeElement.textContent.trim()")
        assert re.fullmatch("Termin für „.+“ buchen", name), f"the focus is on {name!r}"
        assert_focus_visible(page)
        if SERVICE in name:
            break
    expect(wanted).to_be_focused()
    page.keyboard.press("Enter")

    heading(page, "Wo möchten Sie den Termin wahrnehmen?")
    skip_to_content(page)
    tab_past_the_choices_made(page, 1)
    choose_by_arrows(page)
    page.keyboard.press("Enter")

    heading(page, "An welchem Tag möchten Sie kommen?")
    skip_to_content(page)
    tab_past_the_choices_made(page, 2)
    # the second day offered: the first may be today, late in the day down to one time
    choose_by_arrows(page, answer=1)
    page.keyboard.press("Space")  # a button takes Space as well as Enter

    heading(page, "Um wie viel Uhr möchten Sie kommen?")
    skip_to_content(page)
    tab_past_the_choices_made(page, 3)
    times = page.get_by_role("radio")
    tab_to(page, times.first)
    page.keyboard.press("ArrowRight")  # the grid of times reads left to right
    expect(times.nth(1)).to_be_focused()
    expect(times.nth(1)).to_be_checked()
    assert_focus_visible(page)
    tab_to(page, page.get_by_role("button", name="Weiter"))
    tab_to(page, times.nth(1), key="Shift+Tab")  # back again: the choice is kept
    tab_to(page, page.get_by_role("button", name="Weiter"))
    page.keyboard.press("Enter")

    heading(page, "Wer kommt zum Termin?")
    skip_to_content(page)
    tab_past_the_choices_made(page, 3)
    tab_to(page, page.get_by_label("Vor- und Nachname"))
    page.keyboard.type("Kai Tastatur")
    tab_to(page, page.get_by_label("E-Mail-Adresse"))
    page.keyboard.type(KAI)
    expect(page.get_by_text("Geprüft", exact=True)).to_be_visible()
    # the proof of work solved itself: its checkbox is a stop, ticked, and needs nothing
    proof = page.get_by_role("checkbox", name="Geprüft", exact=True)
    tab_to(page, proof)
    expect(proof).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Termin reservieren"))
    assert_accessible(page)
    page.keyboard.press("Enter")

    heading(page, "Bitte prüfen Sie Ihr Postfach")
    skip_to_content(page)
    tab_to(page, page.get_by_role("link", name="Zur Startseite"))

    page.goto(mailed_link(platform, KAI, "confirm"))
    heading(page, "Termin bestätigen")
    skip_to_content(page)
    tab_to(page, page.get_by_role("button", name="Termin bestätigen"))
    page.keyboard.press("Enter")

    heading(page, "Ihr Termin ist bestätigt")
    expect(page.get_by_text(SERVICE, exact=True)).to_be_visible()
    skip_to_content(page)
