"""Reports, ideas and ratings in the portal: filing a report with the proof of work, a
neighbour following it and reading the town's answer, ideas and their supports, and rating
a visit from the invitation mail."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterator

import pytest
import requests
from nameko import config
from playwright.sync_api import Browser, Page, Route, expect

from tests.support.portal import Platform, api_token, assert_accessible, sign_in
from tests.support.publishing import publish
from tests.support.waiting import wait_for

MARKET = ("51,5711", "8,1092")
# a PNG of one transparent pixel
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
ANSWER = "Die Leuchte wird am Montag getauscht."


@pytest.fixture(scope="module", autouse=True)
def one_support_per_period() -> Iterator[None]:
    """This module's platform lets a citizen support one idea per period, so that the limit
    shows after the second; set before the platform starts."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FEEDBACK_SUPPORTS_PER_PERIOD", "1")
        yield


def other_citizen(browser: Browser, platform: Platform, subject: str, name: str) -> Page:
    """A second browser, signed in as another citizen: the neighbour."""
    context = browser.new_context(base_url=platform.url, locale="de-DE")
    context.set_default_timeout(15_000)
    neighbour = context.new_page()
    sign_in(neighbour, subject, "citizen", name)
    return neighbour


def submit_when_checked(page: Page, button: str) -> None:
    """Send the form once the proof of work is solved."""
    expect(page.get_by_text("Geprüft")).to_be_visible()
    page.get_by_role("button", name=button).click()


def sent_twice(route: Route) -> None:
    """The form reaches the portal twice, as after a lost answer; the browser gets the second
    answer."""
    route.fetch(max_redirects=0)
    route.fulfill(response=route.fetch(max_redirects=0))


def test_a_report_is_filed_followed_by_a_neighbour_and_answered_by_the_town(
    page: Page, browser: Browser, platform: Platform
):
    sign_in(page, "anna", "citizen", "Anna Becker")
    page.goto("/")
    page.get_by_role("link", name="Etwas melden oder eine Idee vorschlagen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meldungen in der Stadt")
    assert_accessible(page)
    page.get_by_role("link", name="Etwas melden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Was möchten Sie melden?")
    assert_accessible(page)
    page.get_by_label("Straßenbeleuchtung defekt").check()
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Meldung")
    assert_accessible(page)

    # nothing filled in but the photo: every missing answer at its field and in the summary,
    # and the photo is kept
    page.get_by_label("Möchten Sie ein Foto anhängen?").set_input_files(
        {"name": "laterne.png", "mimeType": "image/png", "buffer": PIXEL}
    )
    submit_when_checked(page, "Meldung absenden")
    expect(page.get_by_text("Foto angehängt: laterne.png")).to_be_visible()
    summary = page.get_by_role("alert").filter(has_text="Bitte prüfen Sie Ihre Angaben")
    for field in ("Titel", "Beschreibung", "Breitengrad", "Längengrad", "Was ist kaputt?"):
        expect(
            summary.get_by_role("link", name=re.compile(f"^{re.escape(field)}:"))
        ).to_be_visible()
    expect(page.get_by_label("Titel", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("group", name="Was ist kaputt?")).to_contain_text("Fehler")
    assert_accessible(page)

    page.get_by_label("Titel", exact=True).fill("Laterne am Markt aus")
    page.get_by_label("Beschreibung", exact=True).fill("Seit drei Tagen dunkel.")
    page.get_by_label("Wo ist es?").fill("Markt 1, vor dem Rathaus")
    page.get_by_label("Breitengrad").fill("52,52")  # Berlin's latitude: not in Soest
    page.get_by_label("Längengrad").fill(MARKET[1])
    page.get_by_label("Leuchtet nicht").check()
    submit_when_checked(page, "Meldung absenden")
    expect(
        page.get_by_role("link", name=re.compile("^Breitengrad: .*nicht in Soest"))
    ).to_be_visible()
    expect(page.get_by_label("Breitengrad")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.get_by_label("Breitengrad").fill(MARKET[0])
    page.route("**/feedback/report", sent_twice)
    submit_when_checked(page, "Meldung absenden")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Meldung ist eingegangen")
    page.unroute("**/feedback/report")
    assert_accessible(page)
    page.get_by_role("link", name="„Laterne am Markt aus“ ansehen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Laterne am Markt aus")
    expect(page.get_by_text("Markt 1, vor dem Rathaus")).to_be_visible()
    # the photo is the town's: counted, never shown to the public
    expect(page.get_by_role("term").filter(has_text="Fotos (nur für die Stadt)")).to_be_visible()
    expect(page.get_by_role("button", name="Nicht mehr folgen")).to_be_visible()  # the author
    item_path = page.url.removeprefix(platform.url)
    item_id = item_path.rsplit("/", 1)[1]

    neighbour = other_citizen(browser, platform, "ben", "Ben Schulz")
    # about to report the same streetlight, the neighbour is shown the report there already
    neighbour.goto("/feedback/report?category=streetlight")
    neighbour.get_by_label("Titel", exact=True).fill("Laterne dunkel")
    neighbour.get_by_label("Beschreibung", exact=True).fill("Die Laterne am Markt ist aus.")
    neighbour.get_by_label("Breitengrad").fill(MARKET[0])
    neighbour.get_by_label("Längengrad").fill(MARKET[1])
    neighbour.get_by_label("Leuchtet nicht").check()
    submit_when_checked(neighbour, "Meldung absenden")
    expect(neighbour.get_by_role("heading", name="Schon gemeldet?")).to_be_visible()
    assert_accessible(neighbour)
    expect(neighbour.get_by_role("link", name="Laterne am Markt aus")).to_be_visible()
    neighbour.goto("/feedback?category=streetlight")
    assert_accessible(neighbour)
    row = neighbour.get_by_role("row").filter(has_text="Laterne am Markt aus")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Straßenbeleuchtung defekt")
    row.get_by_role("link", name="Laterne am Markt aus").click()
    expect(neighbour.get_by_text("Die Stadt hat noch nicht geantwortet.")).to_be_visible()
    expect(neighbour.get_by_text("anonym", exact=True)).to_be_visible()
    assert_accessible(neighbour)
    neighbour.get_by_role("button", name="Folgen: Neuigkeiten per Nachricht").click()
    expect(neighbour.get_by_role("status")).to_have_text(
        "Sie folgen jetzt: Wir schreiben Ihnen bei Neuigkeiten."
    )
    assert_accessible(neighbour)
    neighbour.get_by_role("button", name="Ich auch: betrifft mich auch").click()
    expect(neighbour.get_by_role("status")).to_have_text(
        "Sie sind mitgezählt und folgen der Meldung."
    )
    neighbour.get_by_role("button", name="Ich auch: betrifft mich auch").click()
    expect(neighbour.get_by_role("alert")).to_have_text(
        "Sie sind bei dieser Meldung schon mitgezählt."
    )
    assert_accessible(neighbour)

    clerk = api_token(platform, "clerk-roads", "clerk", departments=["roads"])
    answered = requests.post(
        f"{platform.url}/api/v1/feedback/items/{item_id}/answers",
        json={"text": ANSWER},
        headers=clerk,
        timeout=10,
    )
    assert answered.status_code == 200, answered.text

    neighbour.goto(item_path)
    expect(neighbour.get_by_text(ANSWER)).to_be_visible()
    neighbour.get_by_role("button", name="Kommentar senden").click()
    expect(neighbour.get_by_role("link", name="Ihr Kommentar: Bitte ausfüllen.")).to_be_visible()
    assert_accessible(neighbour)
    neighbour.get_by_label("Ihr Kommentar").fill("Danke, hier ist es abends sehr dunkel.")
    neighbour.route("**/comments", sent_twice)
    neighbour.get_by_role("button", name="Kommentar senden").click()
    expect(neighbour.get_by_text("Danke, hier ist es abends sehr dunkel.")).to_have_count(1)
    neighbour.unroute("**/comments")
    neighbour.get_by_role("button", name="Nicht mehr folgen").click()
    expect(neighbour.get_by_role("status")).to_have_text("Sie folgen nicht mehr.")
    assert_accessible(neighbour)

    neighbour.goto(f"{item_path}?lang=en")
    expect(neighbour.get_by_role("heading", name="The town's answer")).to_be_visible()
    expect(neighbour.get_by_text("Broken streetlight")).to_be_visible()
    assert_accessible(neighbour)
    neighbour.context.close()


def test_ideas_are_proposed_and_supported_until_the_limit(
    page: Page, browser: Browser, platform: Platform
):
    sign_in(page, "clara", "citizen", "Clara Wolf")
    for title in ("Fahrradstraße am Wall", "Mehr Bänke am Theodor-Heuss-Park"):
        page.goto("/feedback/ideas")
        page.get_by_role("link", name="Eine Idee vorschlagen").click()
        page.get_by_label("Mobilität und Verkehr").check()
        page.get_by_role("button", name="Weiter").click()
        page.get_by_label("Titel", exact=True).fill(title)
        page.get_by_label("Beschreibung", exact=True).fill("Sicherer und schöner für alle.")
        page.get_by_label("Ja, meinen Namen zeigen").check()
        assert_accessible(page)
        submit_when_checked(page, "Idee vorschlagen")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Idee ist eingegangen")

    neighbour = other_citizen(browser, platform, "david", "David Kaya")
    neighbour.goto("/feedback/ideas")
    assert_accessible(neighbour)
    neighbour.get_by_role("link", name="Fahrradstraße am Wall").click()
    expect(neighbour.get_by_text("Clara Wolf")).to_be_visible()
    neighbour.get_by_role("button", name="Idee unterstützen").click()
    expect(neighbour.get_by_role("status")).to_have_text("Sie unterstützen diese Idee.")
    assert_accessible(neighbour)

    neighbour.goto("/feedback/ideas")
    neighbour.get_by_role("link", name="Mehr Bänke am Theodor-Heuss-Park").click()
    neighbour.get_by_role("button", name="Idee unterstützen").click()
    expect(neighbour.get_by_role("alert")).to_contain_text(
        "Sie haben alle Unterstützungen für diesen Zeitraum vergeben."
    )
    expect(neighbour.get_by_role("alert")).to_contain_text("Ihre nächste Unterstützung ist ab")
    assert_accessible(neighbour)
    neighbour.context.close()


def test_an_idea_without_title_or_description_is_named_at_each_field_and_in_the_summary(
    page: Page, platform: Platform
):
    sign_in(page, "ida-ideas", "citizen", "Ida Ideen")
    page.goto("/feedback/ideas")
    page.get_by_role("link", name="Eine Idee vorschlagen").click()
    page.get_by_label("Klima und Grün").check()
    page.get_by_role("button", name="Weiter").click()
    submit_when_checked(page, "Idee vorschlagen")

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Bitte prüfen Sie Ihre Angaben")
    expect(summary.get_by_role("link", name="Titel: Bitte ausfüllen.")).to_be_visible()
    expect(summary.get_by_role("link", name="Beschreibung: Bitte ausfüllen.")).to_be_visible()
    for field in ("Titel", "Beschreibung"):
        expect(page.get_by_label(field, exact=True)).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label(field, exact=True)).to_have_accessible_description(
            re.compile("Bitte ausfüllen.")
        )
    assert_accessible(page)

    # what was typed stays; only the field still empty is named
    page.get_by_label("Titel", exact=True).fill("Obstbäume am Stadtwall")
    submit_when_checked(page, "Idee vorschlagen")
    expect(summary.get_by_role("link")).to_have_text(["Beschreibung: Bitte ausfüllen."])
    expect(page.get_by_label("Titel", exact=True)).to_have_value("Obstbäume am Stadtwall")
    expect(page.get_by_text("Kategorie: Klima und Grün")).to_be_visible()


def test_an_idea_without_a_title_is_named_in_english(page: Page, platform: Platform):
    sign_in(page, "ian-ideas", "citizen", "Ian Ideas")
    page.goto("/feedback/ideas?lang=en")
    page.get_by_role("link", name="Propose an idea").click()
    page.get_by_label("Mobility and traffic").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Description", exact=True).fill("A safe crossing at the school.")
    expect(page.get_by_text("Verified")).to_be_visible()  # the proof of work is solved
    page.get_by_role("button", name="Propose the idea").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please check what you entered")
    expect(summary.get_by_role("link")).to_have_text(["Title: Please fill this in."])
    expect(page.get_by_label("Title", exact=True)).to_have_accessible_description(
        re.compile("Please fill this in.")
    )
    expect(page.get_by_label("Description", exact=True)).to_have_value(
        "A safe crossing at the school."
    )
    assert_accessible(page)


def test_a_link_to_a_category_the_town_does_not_have_is_named_at_the_choice(
    page: Page, platform: Platform
):
    sign_in(page, "karl-kategorie", "citizen")

    # an old bookmark, or a category the town has since retired
    answer = page.goto("/feedback/ideas/new?category=fahrradwege")

    assert answer.status == 400
    message = "Diese Kategorie gibt es nicht (mehr). Bitte wählen Sie eine der Kategorien."
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link")).to_have_text([f"Kategorie: {message}"])
    choice = page.get_by_role("group", name="Welche Kategorie passt zu Ihrer Idee?")
    expect(choice).to_have_accessible_description(re.compile(re.escape(message)))
    expect(choice.get_by_role("radio", checked=True)).to_have_count(0)
    assert_accessible(page)

    # the summary leads to the choice, and a category chosen there opens the form
    summary.get_by_role("link").click()
    choice.get_by_label("Leben in der Stadt").check()
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_text("Kategorie: Leben in der Stadt")).to_be_visible()


def test_a_link_to_a_report_category_the_town_does_not_have_is_named_in_english(
    page: Page, platform: Platform
):
    sign_in(page, "kate-category", "citizen")

    answer = page.goto("/feedback/report?category=graffiti-2019&lang=en")

    assert answer.status == 400
    message = "There is no such category (any more). Please choose one of the categories."
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text([f"Category: {message}"])
    expect(
        page.get_by_role("group", name="Which category fits your report?")
    ).to_have_accessible_description(re.compile(re.escape(message)))
    assert_accessible(page)


def invitation_link(platform: Platform, vhost: str, email: str) -> str:
    """Complete a visit as the appointments service would; the rating link of its mail."""
    with config.patch({"AMQP_URI": f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}"}):
        publish(
            "appointments",
            "appointment_completed",
            {
                "appointment_id": str(uuid.uuid4()),
                "service": "id-card",
                "location": "town-hall",
                "start": "2026-03-02T09:00:00+01:00",
                "end": "2026-03-02T09:15:00+01:00",
                "citizen": None,
                "email": email,
                "name": "Erika Mustermann",
                "language": "de",
                "service_name": "Personalausweis beantragen",
                "location_name": "Rathaus",
                "location_address": "Am Vreithof 8, 59494 Soest",
            },
        )

    def links() -> list[str]:
        texts = [message.get_body(("plain",)).get_content() for message in platform.mail.to(email)]
        pattern = rf"{re.escape(platform.url)}/feedback/rate\?token=\S+"
        return [link for text in texts for link in re.findall(pattern, text)]

    return wait_for(links, timeout=20)[0]


def test_a_visit_is_rated_once_from_the_invitation_mail(page: Page, platform: Platform, vhost: str):
    link = invitation_link(platform, vhost, "erika.rating@example.org")

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Wie war es?")
    expect(page.get_by_text("Personalausweis beantragen")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Bewertung senden").click()
    expect(
        page.get_by_role("link", name="Bewertung: Bitte wählen Sie eine Bewertung von 1 bis 5.")
    ).to_be_visible()
    expect(page.get_by_role("group", name="Wie zufrieden waren Sie?")).to_contain_text(
        "Bitte wählen Sie eine Bewertung von 1 bis 5."
    )
    assert_accessible(page)
    page.get_by_label(re.compile(r"^4 . gut$")).check()
    page.get_by_label("Möchten Sie uns noch etwas sagen?").fill("Schnell und freundlich.")
    page.get_by_role("button", name="Bewertung senden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Danke für Ihre Bewertung")
    expect(page.get_by_role("status")).to_contain_text("mit 4 von 5 bewertet")
    assert_accessible(page)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Schon bewertet")
    assert_accessible(page)

    page.goto("/feedback/rate?token=not-a-token&lang=en")
    expect(page.get_by_text("We do not know this rating link.")).to_be_visible()
    assert_accessible(page)
