"""Applying online from the sofa: the dog tax registration with its documents, a question
from the office answered, the decision letter downloaded; errors at their fields; drafts;
withdrawing; and nobody reading another's case."""

from __future__ import annotations

import hashlib
import io
import re
import uuid

import pytest
import requests
from playwright.sync_api import Browser, Locator, Page, Request, Route, expect
from pypdf import PdfReader

from tests.support.portal import Platform, api_token, assert_accessible, dog_tax_by_api, sign_in
from tests.support.waiting import wait_for

CASES = "/api/v1/applications/cases"
CASE_NUMBER = re.compile(r"\d{4}-HST-\d{6}")
# the documents service's smallest part, so that a file of a few MiB goes in several
PART_SIZE = 1024 * 1024
PART = re.compile(r"/uploads/[^/]+/parts/(\d+)$")
SECOND_PART = re.compile(r"/uploads/[^/]+/parts/2$")


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    return {"DOCUMENTS_PART_SIZE": str(PART_SIZE)}


def small_pdf(text: str) -> bytes:
    """A one-page PDF saying `text`, as a scanner would make one."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return body


def large_pdf(text: str, size: int) -> bytes:
    """A PDF of `size` bytes: a small one, then a comment as long as it takes."""
    head = small_pdf(text)
    return head + b"%" + b"0" * (size - len(head) - 2) + b"\n"


def fill_dog(page: Page, number: int, name: str, chip: str) -> None:
    dog = page.get_by_role("group", name=f"Hunde {number}", exact=True)
    dog.get_by_label("Name").fill(name)
    dog.get_by_label("Rasse").fill("Dackel")
    dog.get_by_label("Geburtsdatum").fill("2021-04-01")
    dog.get_by_label("Chipnummer").fill(chip)


def fill_address(page: Page) -> None:
    page.get_by_label("Straße").fill("Am Vreithof")
    page.get_by_label("Hausnummer").fill("8")
    page.get_by_label("Postleitzahl").fill("59494")
    page.get_by_label("Ort").fill("Soest")


def upload(page: Page, purpose: str, name: str, content: bytes) -> None:
    page.get_by_label(purpose).check()
    page.get_by_label("Welche Datei möchten Sie hochladen?").set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": content}
    )
    # sent twice: the file is stored and attached once
    send_twice(page.get_by_role("button", name="Hochladen", exact=True))
    expect(page.get_by_role("status")).to_have_text("Die Unterlage ist hochgeladen.")
    expect(page.get_by_role("rowheader", name=name)).to_be_visible()


def send_twice(button: Locator) -> None:
    """Send the button's form as it is, then click: a first answer lost, or a double click."""
    sent = button.evaluate(
        "b => fetch(b.form.action, {method: 'POST', body: new FormData(b.form)}).then(r => r.ok)"
    )
    assert sent
    button.click()


def open_case(page: Page, number: str) -> None:
    page.goto("/applications/mine")
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Antrag {number}")


def test_apply_for_the_dog_tax_with_two_documents_answer_the_office_and_download_the_decision(
    page: Page, platform: Platform
):
    email = f"hundehalter-{uuid.uuid4().hex[:8]}@example.org"
    sign_in(page, f"hundehalter-{uuid.uuid4().hex[:8]}", name="Jonas Becker")
    page.goto("/applications")
    expect(page.get_by_role("heading", level=2, name="Hundesteuer-Anmeldung")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Hundesteuer-Anmeldung online beantragen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hundesteuer-Anmeldung")
    assert_accessible(page)

    fill_dog(page, 1, "Bello", "276098106543210")
    page.get_by_role("button", name="Weitere hinzufügen: Hunde").click()
    fill_dog(page, 2, "Wuffi", "276098106543211")
    page.get_by_label("Gehalten seit").fill("2024-05-01")
    fill_address(page)
    page.get_by_label("Hund aus dem Tierheim").check()
    expect(page.get_by_label("Vor- und Nachname")).to_have_value("Jonas Becker")
    page.get_by_label("E-Mail-Adresse").fill(email)
    assert_accessible(page)
    page.get_by_role("button", name="Weiter zu den Unterlagen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Unterlagen hochladen")
    assert_accessible(page)
    upload(page, "Herkunftsnachweis (Kaufvertrag, Tierheim)", "tierheim.pdf", small_pdf("Bello"))
    upload(page, "Weitere Unterlagen", "impfpass.pdf", small_pdf("Wuffi"))
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(3)
    assert_accessible(page)
    page.get_by_role("link", name="Weiter zur Prüfung Ihrer Angaben").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Prüfen Sie Ihre Angaben")
    expect(
        page.get_by_role("definition").filter(has_text=re.compile(r"^276098106543211$"))
    ).to_be_visible()
    expect(
        page.get_by_role("definition").filter(has_text=re.compile(r"^tierheim\.pdf$"))
    ).to_be_visible()
    expect(page.get_by_role("link", name="Ändern Hunde 2: Name")).to_be_visible()
    assert_accessible(page)
    send_twice(page.get_by_role("button", name="Antrag verbindlich absenden"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Ihr Antrag ist eingegangen")
    number = CASE_NUMBER.search(page.get_by_role("status").inner_text()).group(0)
    case_id = page.url.split("/")[-2]
    assert_accessible(page)
    [receipt_mail] = wait_for(lambda: platform.mail.to(email), timeout=20)
    assert number in receipt_mail.get_body(("plain",)).get_content()

    page.goto("/applications/mine")
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)  # one case, once
    assert_accessible(page)

    clerk = api_token(
        platform, "sb-hundesteuer", "clerk", name="Petra Schulte", departments=["taxes"]
    )
    asked = requests.post(
        f"{platform.url}{CASES}/{case_id}/information-requests",
        json={"text": "Seit wann lebt Wuffi bei Ihnen?"},
        headers=clerk,
        timeout=10,
    )
    assert asked.status_code == 200, asked.text

    open_case(page, number)
    expect(page.get_by_text("Seit wann lebt Wuffi bei Ihnen?").first).to_be_visible()
    assert_accessible(page)
    # the file goes up with the answer left empty: the answer is refused, the file kept
    contract = small_pdf("Vertrag Tierheim Soest")
    page.get_by_label("Weitere Unterlagen").check()
    page.get_by_label("Möchten Sie eine Datei mitschicken?").set_input_files(
        {"name": "vertrag.pdf", "mimeType": "application/pdf", "buffer": contract}
    )
    page.get_by_role("button", name="Antwort senden").click()
    expect(page.get_by_role("alert")).to_contain_text("Was möchten Sie uns antworten?: Bitte")
    answer = page.get_by_label("Was möchten Sie uns antworten?")
    expect(answer).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("„vertrag.pdf“ ist schon hochgeladen")).to_be_visible()
    assert_accessible(page)
    answer.fill("Seit Mai 2024, aus dem Tierheim.")
    page.get_by_role("button", name="Antwort senden").click()
    expect(page.get_by_role("status")).to_have_text("Ihre Antwort ist bei uns eingegangen.")
    expect(page.get_by_text("Seit Mai 2024, aus dem Tierheim.")).to_be_visible()
    seen = requests.get(f"{platform.url}{CASES}/{case_id}", headers=clerk, timeout=10)
    assert seen.status_code == 200, seen.text
    purposes = {a["sha256"]: a["purpose"] for a in seen.json()["attachments"]}
    assert purposes == {
        hashlib.sha256(small_pdf("Bello")).hexdigest(): "proof_of_origin",
        hashlib.sha256(small_pdf("Wuffi")).hexdigest(): "other",
        hashlib.sha256(contract).hexdigest(): "other",
    }

    decided = requests.post(
        f"{platform.url}{CASES}/{case_id}/decision",
        json={"decision": "approved", "reason": "Die Angaben sind vollständig."},
        headers=clerk,
        timeout=10,
    )
    assert decided.status_code == 200, decided.text

    def letter_listed() -> bool:
        page.reload()
        return page.get_by_role("link", name=re.compile("Bescheid.*herunterladen")).count() == 1

    wait_for(letter_listed, timeout=20)
    expect(page.get_by_text("Ihr Antrag ist bewilligt.").first).to_be_visible()
    receipt = page.get_by_role("link", name=re.compile("Eingangsbestätigung.*herunterladen"))
    expect(receipt).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Bescheid.*herunterladen")).click()
    letter = download.value.path().read_bytes()
    assert letter.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(letter)).pages)
    assert number in text


def facts_of(card: Locator) -> dict[str, str]:
    """What a description list in `card` says: each term with its description, as read."""
    terms = card.get_by_role("term").all_inner_texts()
    descriptions = card.get_by_role("definition").all_inner_texts()
    pairs = zip(terms, descriptions, strict=True)
    return {term.strip(): " ".join(text.split()) for term, text in pairs}


def test_each_application_type_shows_its_fee_processing_time_and_what_to_attach(
    page: Page, platform: Platform
):
    page.goto("/")
    page.get_by_role("link", name="Einen Antrag online stellen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anträge online stellen")

    # as services/applications/types.yaml defines them: the dog tax is free, takes 14 days
    # and needs no document, two are welcome; the parking permit costs 30.60 euros
    dog_tax = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Hundesteuer-Anmeldung")
    )
    assert facts_of(dog_tax) == {
        "Gebühr": "gebührenfrei",
        "Bearbeitungszeit": "14 Arbeitstage",
        "Unterlagen": "Herkunftsnachweis (Kaufvertrag, Tierheim) (freiwillig) "
        "Weitere Unterlagen (freiwillig)",
    }
    parking = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Bewohnerparkausweis")
    )
    assert facts_of(parking) == {
        "Gebühr": "30,60 €",
        "Bearbeitungszeit": "10 Arbeitstage",
        "Unterlagen": "Zulassungsbescheinigung Teil I Nachweis der Wohnadresse (freiwillig) "
        "Weitere Unterlagen (freiwillig)",
    }
    expect(
        dog_tax.get_by_role("link", name="Hundesteuer-Anmeldung online beantragen")
    ).to_be_visible()
    assert_accessible(page)


def test_a_form_with_mistakes_shows_each_at_its_field_and_in_the_summary_in_english_too(
    page: Page, platform: Platform
):
    sign_in(page, f"vergesslich-{uuid.uuid4().hex[:8]}", name="Mia Vogel")
    page.goto("/applications/hundesteuer/new?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dog tax registration")
    dog = page.get_by_role("group", name="Dogs 1", exact=True)
    dog.get_by_label("Name").fill("Rex")
    dog.get_by_label("Breed").fill("Boxer")
    dog.get_by_label("Date of birth").fill("2020-02-02")
    dog.get_by_label("Microchip number").fill("12345")
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your draft is saved. You can carry on with it at any time."
    )
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("Carry on with Dog tax registration")).click()
    expect(page.get_by_label("Microchip number")).to_have_value("12345")
    page.get_by_role("button", name="Continue to the documents").click()
    page.get_by_label("Which file do you want to upload?").set_input_files(
        {"name": "notes.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ\x90\x00"}
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("We do not accept this kind of file.")
    expect(page.get_by_text("You have not uploaded any documents yet.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Continue to check your answers").click()
    page.get_by_role("button", name="Send the application").click()

    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link", name="Dogs 1: Microchip number: We cannot")).to_be_visible()
    expect(summary.get_by_role("link", name="Kept since: Please fill this in.")).to_be_visible()
    expect(summary.get_by_role("link", name="Address: Please fill this in.")).to_be_visible()
    expect(page.get_by_label("Microchip number")).to_have_value("12345")
    chip_field = page.get_by_role("group", name="Dogs 1", exact=True)
    expect(chip_field.get_by_text("Error: We cannot accept this.")).to_be_visible()
    expect(page.get_by_label("Kept since")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.get_by_role("link", name="Deutsch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Prüfen Sie Ihre Angaben")
    page.get_by_role("button", name="Antrag verbindlich absenden").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Hunde 1: Chipnummer: Diese Angabe können wir nicht annehmen.")
    expect(summary).to_contain_text("Gehalten seit: Bitte ausfüllen.")
    assert_accessible(page)


def test_a_citizen_withdraws_their_case_and_another_cannot_open_it(page: Page, platform: Platform):
    owner = f"antragstellerin-{uuid.uuid4().hex[:8]}"
    case = dog_tax_by_api(platform, owner)

    sign_in(page, f"nachbar-{uuid.uuid4().hex[:8]}")
    page.goto(f"/applications/cases/{case['case_id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Das hat nicht geklappt")
    expect(page.get_by_text("Diesen Antrag gibt es nicht")).to_be_visible()
    assert case["case_number"] not in page.content()
    assert_accessible(page)

    page.get_by_role("button", name="Abmelden").click()
    sign_in(page, owner, name="Lena Krause")
    open_case(page, case["case_number"])
    page.get_by_role("link", name="Antrag zurückziehen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Antrag zurückziehen?")
    assert_accessible(page)
    page.get_by_role("button", name="Ja, Antrag zurückziehen").click()
    expect(page.get_by_role("status")).to_have_text("Ihr Antrag ist zurückgezogen.")
    expect(page.get_by_role("link", name="Antrag zurückziehen")).to_have_count(0)
    assert_accessible(page)


def start_a_draft(page: Page) -> None:
    page.goto("/applications/hundesteuer/new")
    page.get_by_role("button", name="Weiter zu den Unterlagen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Unterlagen hochladen")


def download_from_my_documents(page: Page, name: str) -> bytes:
    page.goto("/documents")
    with page.expect_download() as download:
        page.get_by_role("link", name=f"„{name}“ herunterladen").click()
    return download.value.path().read_bytes()


def test_an_attachment_goes_up_in_parts_with_javascript_and_comes_back_the_same(
    page: Page, platform: Platform
):
    sign_in(page, f"gross-{uuid.uuid4().hex[:8]}", name="Karl Groß")
    start_a_draft(page)
    content = large_pdf("Kaufvertrag", int(2.5 * PART_SIZE))
    sent: list[Request] = []
    page.on("request", lambda request: sent.append(request))
    held: list[Route] = []
    # the second part waits until the page is looked at in the middle of the upload
    page.route(SECOND_PART, lambda route: held.append(route))

    page.get_by_label("Herkunftsnachweis (Kaufvertrag, Tierheim)").check()
    page.get_by_label("Welche Datei möchten Sie hochladen?").set_input_files(
        {"name": "kaufvertrag.pdf", "mimeType": "application/pdf", "buffer": content}
    )
    with page.expect_request(SECOND_PART):
        page.get_by_role("button", name="Hochladen", exact=True).click()
    expect(page.get_by_label("Fortschritt des Hochladens")).to_be_visible()
    expect(page.get_by_text(re.compile(r"\d+ % hochgeladen"))).to_be_visible()
    assert_accessible(page)
    assert held, "the second part waits"
    held[0].continue_()

    expect(page.get_by_role("status")).to_have_text("Die Unterlage ist hochgeladen.")
    expect(page.get_by_role("rowheader", name="kaufvertrag.pdf")).to_be_visible()
    assert_accessible(page)
    parts = sorted(
        int(PART.search(r.url).group(1)) for r in sent if r.method == "PUT" and PART.search(r.url)
    )
    assert parts == [1, 2, 3]
    assert len([r for r in sent if r.method == "POST" and r.url.endswith("/attachments")]) == 1
    assert download_from_my_documents(page, "kaufvertrag.pdf") == content


def test_without_javascript_an_attachment_goes_up_in_the_form_itself(
    browser: Browser, platform: Platform
):
    context = browser.new_context(base_url=platform.url, locale="de-DE", java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, f"ohne-skript-{uuid.uuid4().hex[:8]}", name="Ida Klein")
        start_a_draft(page)
        content = large_pdf("Impfpass", int(1.5 * PART_SIZE))
        sent: list[Request] = []
        page.on("request", lambda request: sent.append(request))
        page.get_by_label("Weitere Unterlagen").check()
        page.get_by_label("Welche Datei möchten Sie hochladen?").set_input_files(
            {"name": "impfpass.pdf", "mimeType": "application/pdf", "buffer": content}
        )
        page.get_by_role("button", name="Hochladen", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("Die Unterlage ist hochgeladen.")
        expect(page.get_by_role("rowheader", name="impfpass.pdf")).to_be_visible()
        assert not [r for r in sent if "/uploads" in r.url]
        [form] = [r for r in sent if r.method == "POST" and r.url.endswith("/attachments")]
        assert form.header_value("content-type").startswith("multipart/form-data")
        assert download_from_my_documents(page, "impfpass.pdf") == content
    finally:
        context.close()
