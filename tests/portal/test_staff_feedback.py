"""The staff workspace's reports and ideas in the browser: a report from its arrival, with
its photo, to the official answer the citizen reads; a duplicate merged into it; a flagged
comment decided on; a ban; the figures. A clerk of another department finds nothing of it,
by the list or by the item's address; a citizen opens none of these pages."""

from __future__ import annotations

import base64
import re

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.gateway.test_challenge import solved
from tests.support.portal import Platform, api_token, assert_accessible, sign_in
from tests.support.tiles import TileServer
from tests.support.waiting import wait_for

API = "/api/v1/feedback"
MARKET = ("51,5711", "8,1092")
# a PNG of one transparent pixel
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
TITLE = "Laterne am Markt aus"
ANSWER = "Der Bauhof tauscht die Leuchte am Freitag."


@pytest.fixture(scope="module")
def platform_env(tile_server: TileServer) -> dict[str, str]:
    return {"PORTAL_TILE_URL": tile_server.tile_url, "PORTAL_TILE_ATTRIBUTION": "Testkarten"}


def other_session(browser: Browser, platform: Platform) -> Page:
    context = browser.new_context(base_url=platform.url, locale="de-DE")
    context.set_default_timeout(15_000)
    return context.new_page()


def file_report_in_the_portal(page: Page, title: str) -> str:
    """A streetlight reported through the portal's form, with a photo; the report's id."""
    page.goto("/feedback/report?category=streetlight")
    page.get_by_label("Titel", exact=True).fill(title)
    page.get_by_label("Beschreibung", exact=True).fill("Seit drei Tagen dunkel.")
    page.get_by_label("Breitengrad").fill(MARKET[0])
    page.get_by_label("Längengrad").fill(MARKET[1])
    page.get_by_label("Leuchtet nicht").check()
    page.get_by_label("Möchten Sie ein Foto anhängen?").set_input_files(
        {"name": "laterne.png", "mimeType": "image/png", "buffer": PIXEL}
    )
    expect(page.get_by_text("Geprüft")).to_be_visible()
    page.get_by_role("button", name="Meldung absenden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Meldung ist eingegangen")
    return page.url.rstrip("/").split("/")[-2]


def file_report_by_api(platform: Platform, subject: str, title: str, category="streetlight"):
    """A report sent to the JSON API with a solved proof of work; the report."""
    challenge = requests.get(f"{platform.url}{API}/challenge", timeout=10).json()
    answers = {"streetlight": {"fault": "dark"}, "pothole": {"surface": "road"}}[category]
    answer = requests.post(
        f"{platform.url}{API}/reports",
        json={
            "category": category,
            "title": title,
            "description": "Die Laterne am Markt ist dunkel.",
            "latitude": 51.5712,
            "longitude": 8.1093,
            "answers": answers,
            "altcha": solved(challenge),
        },
        headers=api_token(platform, subject, "citizen"),
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def flagged_comment(platform: Platform, item_id: str, text: str) -> str:
    """A comment on the report, flagged by three citizens (hidden until a decision)."""
    answer = requests.post(
        f"{platform.url}{API}/items/{item_id}/comments",
        json={"body": text},
        headers=api_token(platform, "carl", "citizen"),
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    comment_id = answer.json()["id"]
    for flagger in ("dora", "emil", "fritz"):
        flagged = requests.post(
            f"{platform.url}{API}/comments/{comment_id}/flags",
            json={"reason": "abusive"},
            headers=api_token(platform, flagger, "citizen"),
            timeout=10,
        )
        assert flagged.status_code == 201, flagged.text
    return comment_id


def photo_shown(page: Page) -> bool:
    """Whether the item's photo is shown and loaded (it is filed under the report a moment
    after the report arrives): the page is loaded again until it is."""
    page.reload()
    photo = page.get_by_role("img", name=re.compile("^Foto 1 von 1"))
    loaded = "image => image.complete && image.naturalWidth > 0"
    return photo.count() == 1 and photo.evaluate(loaded)


def test_a_report_from_its_arrival_to_the_official_answer_merged_and_moderated(
    page: Page, browser: Browser, platform: Platform
):
    citizen = other_session(browser, platform)
    sign_in(citizen, "anna", "citizen", "Anna Becker")
    item_id = file_report_in_the_portal(citizen, TITLE)
    duplicate = file_report_by_api(platform, "ben", "Laterne dunkel")
    flagged_comment(platform, item_id, "Ihr seid alle unfähig!")

    sign_in(page, "rolf", "clerk", "Rolf Roth", departments=("roads",))
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Meldungen und Ideen"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meldungen und Ideen")
    table = page.get_by_role("table", name=re.compile("Meldungen und Ideen Ihrer Fachbereiche"))
    expect(table.get_by_role("link", name=TITLE)).to_be_visible()
    expect(table.get_by_role("link", name="Laterne dunkel")).to_be_visible()
    # the map shows the list's reports, each a link to its report
    map_region = page.get_by_role("region", name="Karte: Meldungen der Liste")
    expect(map_region.get_by_role("link", name=TITLE)).to_have_count(1)
    assert_accessible(page)

    table.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    wait_for(lambda: photo_shown(page), timeout=20, interval=0.5)
    # the office sees the account behind a report the public sees without a name
    expect(page.get_by_role("definition").filter(has_text="ohne Namen (anna)")).to_be_visible()
    assert_accessible(page)

    # a status not chosen: the message at its question and in the summary
    page.get_by_role("button", name="Status ändern").click()
    summary = page.get_by_role("alert").filter(has_text="Bitte prüfen Sie Ihre Angaben")
    expect(
        summary.get_by_role("link", name=re.compile("^Welcher Status ist es jetzt\\?:"))
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("radio", name="In Prüfung", exact=True).check()
    page.get_by_role("button", name="Status ändern").click()
    expect(page.get_by_text("Der Status ist geändert.")).to_be_visible()
    expect(page.get_by_role("table", name="Verlauf")).to_contain_text("In Prüfung")

    # an empty answer is asked for; then the answer is published
    page.get_by_role("button", name="Antwort veröffentlichen").click()
    expect(page.get_by_label("Was antwortet die Stadt?")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    page.get_by_label("Was antwortet die Stadt?").fill(ANSWER)
    page.get_by_role("button", name="Antwort veröffentlichen").click()
    expect(page.get_by_text("Die Antwort ist veröffentlicht.")).to_be_visible()
    assert_accessible(page)

    # the citizen reads the town's answer on her report
    citizen.goto(f"/feedback/items/{item_id}")
    expect(citizen.get_by_text(ANSWER)).to_be_visible()

    # the neighbour's report repeats it: merged, his voice counts on the report kept
    page.goto("/staff/feedback")
    page.get_by_role("table", name=re.compile("Meldungen und Ideen")).get_by_role(
        "link", name="Laterne dunkel"
    ).click()
    page.get_by_role("button", name="Zusammenführen").click()
    expect(page.get_by_role("group", name="Welche Meldung bleibt?")).to_contain_text("Fehler")
    assert_accessible(page)
    page.get_by_role("radio", name=re.compile(f"^{TITLE}")).check()
    page.get_by_label("Hinweis an alle, die dieser folgen").fill("Bereits gemeldet, siehe dort.")
    page.get_by_role("button", name="Zusammenführen").click()
    expect(page.get_by_role("status")).to_contain_text("Zusammengeführt:")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("link", name="Laterne dunkel")).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text=re.compile("^1$"))).to_have_count(1)
    assert_accessible(page)
    ben = requests.get(
        f"{platform.url}{API}/items/{duplicate['id']}",
        headers=api_token(platform, "ben", "citizen"),
        timeout=10,
    ).json()
    assert (ben["status"], ben["duplicate_of"]) == ("duplicate", item_id)

    # the flagged comment: decided on in the moderation queue
    page.get_by_role("navigation", name="Meldungen und Ideen").get_by_role(
        "link", name="Moderation"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation")
    assert_accessible(page)
    page.get_by_role("link", name="Über Beitrag 1 entscheiden").click()
    expect(page.get_by_text("Ihr seid alle unfähig!")).to_be_visible()
    page.get_by_role("button", name="Entscheiden").click()
    expect(page.get_by_label("Warum?")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    page.get_by_label("Nein, verbergen").check()
    page.get_by_label("Warum?").fill("Beleidigung")
    page.get_by_role("button", name="Entscheiden").click()
    expect(page.get_by_text("Der Beitrag ist verborgen.")).to_be_visible()
    expect(page.get_by_text("Nichts wartet auf eine Entscheidung.")).to_be_visible()

    # the author of the comment is banned, and the ban lifted again
    page.get_by_role("link", name="Sperren", exact=True).click()
    page.get_by_role("button", name="Konto sperren").click()
    expect(page.get_by_label("Konto", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    page.get_by_label("Konto", exact=True).fill("carl")
    page.get_by_label("Warum wird es gesperrt?").fill("Beleidigungen")
    page.get_by_role("button", name="Konto sperren").click()
    expect(page.get_by_text("Das Konto ist gesperrt.")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("Gesperrte Konten"))).to_contain_text("carl")
    assert_accessible(page)
    page.get_by_role("button", name="Sperre von carl aufheben").click()
    expect(page.get_by_text("Kein Konto ist gesperrt.")).to_be_visible()

    # the figures: bars to read at a glance, and the same figures as a table
    page.get_by_role("link", name="Zahlen", exact=True).click()
    expect(page.get_by_role("img", name="Meldungen und Ideen nach Status")).to_be_visible()
    expect(
        page.get_by_role("table", name="Meldungen und Ideen nach Kategorie und Status")
    ).to_contain_text("Bereits gemeldet")
    assert_accessible(page)
    page.get_by_label("Ab welchem Tag?").fill("2026-13-01")
    page.get_by_role("button", name="Zahlen anzeigen").click()
    expect(page.get_by_role("alert")).to_contain_text("Ab welchem Tag?")
    assert_accessible(page)


def figures_row(page: Page, category: str):
    """The row of the figures table for `category` (its kind, category, status, count)."""
    table = page.get_by_role("table", name="Meldungen und Ideen nach Kategorie und Status")
    return table.get_by_role("row").filter(has=page.get_by_role("cell", name=category, exact=True))


def test_a_clerk_of_another_department_finds_nothing_of_it(
    page: Page, browser: Browser, platform: Platform
):
    report = file_report_by_api(platform, "greta", "Schlagloch vor der Schule", "pothole")
    # what isolation keeps out: the roads department's own figures count the pothole
    roads = other_session(browser, platform)
    sign_in(roads, "rolf", "clerk", "Rolf Roth", departments=("roads",))
    roads.goto("/staff/feedback/figures")
    expect(figures_row(roads, "Schlagloch").first).to_be_visible()
    roads.context.close()

    sign_in(page, "petra", "clerk", "Petra Park", departments=("parks",))
    page.goto("/staff/feedback?state=all")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meldungen und Ideen")
    expect(page.get_by_text("Schlagloch vor der Schule")).to_have_count(0)
    expect(page.get_by_text(TITLE)).to_have_count(0)
    assert_accessible(page)
    answer = page.goto(f"/staff/feedback/items/{report['id']}")
    assert answer is not None and answer.status == 404
    expect(page.get_by_text("Schlagloch vor der Schule")).to_have_count(0)
    assert_accessible(page)
    page.goto("/staff/feedback/moderation")
    expect(page.get_by_text("Nichts wartet auf eine Entscheidung.")).to_be_visible()

    # the parks' figures: had the roads' items leaked in, the pothole and the streetlights
    # would be counted here, in the table, the charts and the answered/unanswered sums
    page.goto("/staff/feedback/figures")
    expect(
        page.get_by_text("In diesem Zeitraum sind keine Meldungen oder Ideen eingegangen.")
    ).to_be_visible()
    expect(page.get_by_text("0 beantwortet, 0 noch ohne Antwort.")).to_be_visible()
    expect(figures_row(page, "Schlagloch")).to_have_count(0)
    expect(page.get_by_role("img", name="Meldungen und Ideen nach Kategorie")).to_have_count(0)
    assert_accessible(page)

    # the bans are the town's (an account, not an item): the page names no report of roads
    page.goto("/staff/feedback/bans")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gesperrte Konten")
    expect(page.get_by_role("link", name="Schlagloch vor der Schule")).to_have_count(0)
    expect(page.get_by_text("greta")).to_have_count(0)


def test_a_citizen_opens_no_staff_feedback_page(page: Page, platform: Platform):
    sign_in(page, "erika", "citizen")
    for path in (
        "/staff/feedback",
        "/staff/feedback/moderation",
        "/staff/feedback/bans",
        "/staff/feedback/figures",
    ):
        answer = page.goto(path)
        assert answer is not None and answer.status == 403, path
        expect(page.get_by_text("Diese Seite ist für Ihr Konto nicht vorgesehen.")).to_be_visible()
    assert_accessible(page)


def test_the_list_is_worked_by_keyboard(page: Page, platform: Platform):
    file_report_by_api(platform, "hanna", "Laterne am Bahnhof flackert")
    sign_in(page, "rolf", "clerk", "Rolf Roth", departments=("roads",))
    page.goto("/staff/feedback")
    page.get_by_label("Welche Art?").select_option("report")
    page.get_by_role("button", name="Anzeigen").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"kind=report"))
    link = page.get_by_role("table").get_by_role("link", name="Laterne am Bahnhof flackert")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Laterne am Bahnhof flackert")
    page.get_by_role("radio", name="In Prüfung", exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Status ändern").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Der Status ist geändert.")).to_be_visible()
