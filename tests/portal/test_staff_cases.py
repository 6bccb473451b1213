"""The applications' back office in the browser: a case from its live arrival in the
worklist to the decision letter, seen before it is issued and then in the citizen's portal;
a clerk of another department sees nothing of it; a citizen's session opens none of it;
the work goes by keyboard."""

from __future__ import annotations

import base64
import io
import re
import struct
import uuid
import zlib

from playwright.sync_api import Browser, Locator, Page, expect
from pypdf import PdfReader

from tests.portal.test_applications import fill_address, fill_dog, small_pdf
from tests.support.portal import Platform, assert_accessible, dog_tax_by_api, sign_in
from tests.support.waiting import wait_for

CASES = "/api/v1/applications/cases"
CASE_NUMBER = re.compile(r"\d{4}-HST-\d{6}")
TAXES = ("taxes",)  # the dog tax's department


def small_png() -> bytes:
    """A 2 x 2 grey PNG, as a phone's photo would be, only smaller."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def attach(page: Page, purpose: str, name: str, media_type: str, content: bytes) -> None:
    page.get_by_label(purpose).check()
    page.get_by_label("Welche Datei möchten Sie hochladen?").set_input_files(
        {"name": name, "mimeType": media_type, "buffer": content}
    )
    page.get_by_role("button", name="Hochladen", exact=True).click()
    expect(page.get_by_role("rowheader", name=name)).to_be_visible()


def apply_for_the_dog_tax(page: Page, citizen: str) -> str:
    """A citizen applies in the portal with a PDF and a photo; the case's number."""
    sign_in(page, citizen, name="Jonas Becker")
    page.goto("/applications")
    page.get_by_role("link", name="Hundesteuer-Anmeldung online beantragen").click()
    fill_dog(page, 1, "Bello", "276098106543210")
    page.get_by_label("Gehalten seit").fill("2024-05-01")
    fill_address(page)
    page.get_by_label("E-Mail-Adresse").fill(f"{citizen}@example.org")
    page.get_by_role("button", name="Weiter zu den Unterlagen").click()
    attach(
        page,
        "Herkunftsnachweis (Kaufvertrag, Tierheim)",
        "tierheim.pdf",
        "application/pdf",
        small_pdf("Tierheim Soest"),
    )
    attach(page, "Weitere Unterlagen", "bello.png", "image/png", small_png())
    page.get_by_role("link", name="Weiter zur Prüfung Ihrer Angaben").click()
    page.get_by_role("button", name="Antrag verbindlich absenden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihr Antrag ist eingegangen")
    return CASE_NUMBER.search(page.get_by_role("status").inner_text()).group(0)


def sent_from(button: Locator) -> bytes:
    """What the button's form answers, fetched as the frame it targets would get it."""
    encoded = button.evaluate(
        """async (b) => {
            const answer = await fetch(b.form.action, {method: "POST", body: new FormData(b.form)});
            const bytes = new Uint8Array(await answer.arrayBuffer());
            let text = "";
            for (const byte of bytes) text += String.fromCharCode(byte);
            return btoa(text);
        }"""
    )
    return base64.b64decode(encoded)


def reload_until(page: Page, shown) -> None:
    def found() -> bool:
        page.reload()
        return shown().count() > 0

    wait_for(found, timeout=20)


def test_a_case_from_its_live_arrival_to_the_issued_decision_letter(
    browser: Browser, platform: Platform
):
    clerk = browser.new_context(base_url=platform.url, locale="de-DE")
    clerk.set_default_timeout(15_000)
    office = clerk.new_page()
    sign_in(office, f"sb-{uuid.uuid4().hex[:8]}", "clerk", "Petra Schulte", departments=TAXES)
    office.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Anträge"
    ).click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Anträge")
    office.get_by_label("Reihenfolge").select_option(label="Neueste zuerst")
    office.get_by_role("button", name="Anzeigen").click()
    assert_accessible(office)

    citizen = browser.new_context(base_url=platform.url, locale="de-DE")
    citizen.set_default_timeout(15_000)
    home = citizen.new_page()
    number = apply_for_the_dog_tax(home, f"hundehalter-{uuid.uuid4().hex[:8]}")

    # the clerk's open worklist shows it, without a reload
    expect(office.get_by_role("link", name=number)).to_be_visible()
    expect(office.get_by_role("status")).to_have_text("Ein neuer Antrag ist eingegangen.")
    assert_accessible(office)
    office.get_by_role("link", name=number).click()
    expect(office.get_by_role("heading", level=1)).to_have_text(f"Antrag {number}")
    expect(office.get_by_role("definition").filter(has_text=re.compile("^Bello$"))).to_be_visible()
    expect(office.get_by_text("Steuern und Abgaben")).to_be_visible()

    # the attachments are filed into the case as the events arrive, and shown in the page
    reload_until(office, lambda: office.get_by_role("img", name="bello.png"))
    photo = office.get_by_role("img", name="bello.png")
    expect(photo).to_be_visible()
    assert photo.evaluate("image => image.complete && image.naturalWidth") == 2
    expect(office.get_by_title("tierheim.pdf")).to_be_visible()
    shown = office.request.get(
        office.get_by_role("link", name="tierheim.pdf öffnen").get_attribute("href")
    )
    assert shown.headers["content-type"] == "application/pdf"
    assert shown.headers["content-disposition"].startswith("inline")
    assert "frame-ancestors 'self'" in shown.headers["content-security-policy"]
    assert "Tierheim Soest" in pdf_text(shown.body())
    assert_accessible(office)

    # assigned, noted (an empty note refused at its field), reviewed
    office.get_by_role("button", name="Selbst übernehmen").click()
    expect(office.get_by_role("status")).to_have_text("Die Zuständigkeit ist gespeichert.")
    office.get_by_role("button", name="Notiz speichern").click()
    expect(office.get_by_role("alert")).to_contain_text("Neue Notiz")
    expect(office.get_by_label("Neue Notiz")).to_have_attribute("aria-invalid", "true")
    assert_accessible(office)
    office.get_by_label("Neue Notiz").fill("Tierheim hat telefonisch bestätigt.")
    office.get_by_role("button", name="Notiz speichern").click()
    expect(office.get_by_text("Tierheim hat telefonisch bestätigt.")).to_be_visible()
    office.get_by_role("button", name="Prüfung beginnen").click()
    expect(office.get_by_role("status")).to_have_text("Die Prüfung hat begonnen.")
    expect(office.get_by_role("button", name="Prüfung beginnen")).to_have_count(0)

    # the decision: without reasons refused; with them, its letter is seen before it is issued
    office.get_by_label("Bewilligen").check()
    office.get_by_role("button", name="Bescheid ansehen").click()
    expect(office.get_by_role("alert")).to_contain_text("Begründung")
    assert_accessible(office)
    reason = "Bello ist angemeldet; aus dem Tierheim steuerfrei im ersten Jahr."
    office.get_by_label("Begründung").fill(reason)
    with office.expect_response(re.compile(r"/decision/letter$")) as previewed:
        office.get_by_role("button", name="Bescheid ansehen").click()
    expect(office.get_by_role("heading", level=1)).to_have_text(f"Bescheid zu {number} prüfen")
    # the page's script showed the letter in its frame at once; the button shows it too
    assert previewed.value.ok
    assert previewed.value.headers["content-type"] == "application/pdf"
    assert "frame-ancestors 'self'" in previewed.value.headers["content-security-policy"]
    preview = pdf_text(sent_from(office.get_by_role("button", name="Bescheid anzeigen")))
    assert number in preview and reason in preview and "Petra Schulte" in preview
    expect(office.get_by_title("Bescheid (Vorschau)")).to_be_visible()
    assert_accessible(office)
    # nothing is issued yet: where the citizen would read the decision, her case is still
    # in review, with no decision in its history and no letter to download
    home.goto("/applications/mine")
    home.get_by_role("link", name=number).click()
    expect(home.get_by_role("heading", level=1)).to_contain_text(number)
    expect(
        home.get_by_role("definition").filter(has_text="Wir prüfen Ihren Antrag.")
    ).to_be_visible()
    expect(home.get_by_text("Ihr Antrag ist bewilligt.")).to_have_count(0)
    expect(home.get_by_role("link", name=re.compile("Bescheid.*herunterladen"))).to_have_count(0)

    office.get_by_role("button", name="Entscheidung erlassen").click()
    expect(office.get_by_role("status")).to_contain_text("Die Entscheidung ist erlassen")
    expect(office.get_by_role("definition").filter(has_text="Bewilligt")).to_be_visible()

    # issued: in the case's documents, and in the citizen's portal
    reload_until(office, lambda: office.get_by_role("link", name=re.compile("^Bescheid.*öffnen$")))
    issued = office.request.get(
        office.get_by_role("link", name=re.compile("^Bescheid.*öffnen$")).get_attribute("href")
    )
    assert reason in pdf_text(issued.body())
    assert_accessible(office)
    home.goto("/applications/mine")
    home.get_by_role("link", name=number).click()
    expect(home.get_by_text("Ihr Antrag ist bewilligt.").first).to_be_visible()
    reload_until(home, lambda: home.get_by_role("link", name=re.compile("Bescheid.*herunterladen")))

    # completed, and reopened with its reason
    office.get_by_role("button", name="Abschließen").click()
    expect(office.get_by_role("definition").filter(has_text="Abgeschlossen")).to_be_visible()
    office.get_by_label("Warum wird der Antrag wieder geöffnet?").fill("Zweiter Hund nachgemeldet.")
    office.get_by_role("button", name="Wieder öffnen", exact=True).click()
    expect(office.get_by_role("definition").filter(has_text="In Prüfung")).to_be_visible()
    assert_accessible(office)
    clerk.close()
    citizen.close()


def definition_of(page: Page, term: str) -> str:
    """The value the case page's facts give for `term` (a term and its definition)."""
    found = page.get_by_role("term").filter(has_text=re.compile(f"^{re.escape(term)}$"))
    return found.evaluate("term => term.nextElementSibling.textContent.trim()")


def test_the_case_page_shows_who_works_it_and_lists_each_step_taken(page: Page, platform: Platform):
    citizen = f"antragsteller-{uuid.uuid4().hex[:8]}"
    case = dog_tax_by_api(platform, citizen)
    clerk = f"sb-{uuid.uuid4().hex[:8]}"
    sign_in(page, clerk, "clerk", "Petra Schulte", departments=TAXES)
    page.goto(f"/staff/cases/{case['case_id']}")
    assert definition_of(page, "Bearbeitung") == "niemand"
    history = page.get_by_role("region", name="Verlauf")
    expect(history.get_by_role("listitem").first).to_contain_text(
        f"Antrag eingereicht → Eingegangen ({citizen})"
    )
    expect(history.get_by_text("Zuständigkeit geändert")).to_have_count(0)

    page.get_by_role("button", name="Selbst übernehmen").click()
    expect(page.get_by_role("status")).to_have_text("Die Zuständigkeit ist gespeichert.")
    assert definition_of(page, "Bearbeitung") == clerk
    page.get_by_role("button", name="Prüfung beginnen").click()
    expect(page.get_by_role("status")).to_have_text("Die Prüfung hat begonnen.")

    # each step with who took it, in the order taken; the notices to the citizen (of the
    # receipt, of the review) come in between as they are sent, so the steps are picked out
    steps = history.get_by_role("listitem").all_inner_texts()
    taken = [
        f"Antrag eingereicht → Eingegangen ({citizen})",
        f"Zuständigkeit geändert ({clerk})",
        f"Prüfung begonnen → In Prüfung ({clerk})",
    ]
    found = [next(i for i, step in enumerate(steps) if want in step) for want in taken]
    assert found == sorted(found), steps
    assert_accessible(page)


def test_a_clerk_of_another_department_sees_nothing_of_the_case(page: Page, platform: Platform):
    case = dog_tax_by_api(platform, f"antragstellerin-{uuid.uuid4().hex[:8]}")
    sign_in(page, f"sb-verkehr-{uuid.uuid4().hex[:8]}", "clerk", departments=("traffic",))

    page.goto("/staff/cases")
    expect(page.get_by_text("Keine Anträge für diese Auswahl.")).to_be_visible()
    expect(page.get_by_label("Antragsart").get_by_role("option")).to_have_text(
        ["Alle Antragsarten", "Bewohnerparkausweis"]
    )
    assert_accessible(page)
    page.goto("/staff/cases?type=hundesteuer&sort=-submitted_at")
    expect(page.get_by_text("Keine Anträge für diese Auswahl.")).to_be_visible()

    answer = page.goto(f"/staff/cases/{case['case_id']}")
    assert answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Das hat nicht geklappt")
    assert case["case_number"] not in page.content()
    assert_accessible(page)
    listed = page.request.get(f"/staff/cases/{case['case_id']}/documents/{uuid.uuid4()}")
    assert listed.status == 404


def test_a_citizen_opens_no_page_of_the_cases(page: Page, platform: Platform):
    case = dog_tax_by_api(platform, "erika-cases")
    sign_in(page, "erika-cases", "citizen")
    for path in ("/staff/cases", f"/staff/cases/{case['case_id']}"):
        answer = page.goto(path)
        assert answer.status == 403
        expect(page.get_by_text("Diese Seite ist für Ihr Konto nicht vorgesehen.")).to_be_visible()
        assert case["case_number"] not in page.content()
    assert_accessible(page)
    assert page.request.get("/staff/cases/live").status == 403


def test_a_clerk_works_the_case_by_keyboard(page: Page, platform: Platform):
    case = dog_tax_by_api(platform, f"antragsteller-{uuid.uuid4().hex[:8]}")
    sign_in(page, f"sb-{uuid.uuid4().hex[:8]}", "clerk", departments=TAXES)
    page.goto("/staff/cases?sort=-submitted_at")

    link = page.get_by_role("link", name=case["case_number"])
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Antrag {case['case_number']}")
    page.get_by_role("button", name="Prüfung beginnen").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Die Prüfung hat begonnen.")

    page.get_by_label("Was soll nachgereicht werden?").focus()
    page.keyboard.type("Bitte den Impfpass von Luna nachreichen.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Anfordern")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Die Nachfrage ist verschickt.")
    expect(page.get_by_text("Bitte den Impfpass von Luna nachreichen.").first).to_be_visible()
    expect(page.get_by_role("button", name="Bescheid ansehen")).to_have_count(0)
    assert_accessible(page)


def test_an_admin_reads_the_worklist_in_english(page: Page, platform: Platform):
    for _ in range(2):
        dog_tax_by_api(platform, f"antragsteller-{uuid.uuid4().hex[:8]}")
    sign_in(page, f"sb-{uuid.uuid4().hex[:8]}", "admin")
    page.goto("/staff/cases?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications")
    expect(page.get_by_role("table", name="Worklist")).to_be_visible()
    assert_accessible(page)
