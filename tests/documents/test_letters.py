"""The receipt and decision letters as a citizen reads them in the PDF."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from services.documents.letters import (
    LANGUAGES,
    LETTER_KINDS,
    Letterhead,
    LetterValuesMissing,
    letter_title,
    render_letter,
    required_values,
)

SOEST = Letterhead(
    name="Stadt Soest \u2013 Bürgerbüro",
    street="Am Vreithof 8",
    city="59494 Soest",
    phone="02921 103-0",
    email="buergerbuero@soest.de",
    website="www.soest.de",
)


def receipt(**changes: Any) -> dict[str, Any]:
    values = {
        "case_number": "2026-BPA-000123",
        "application_title": "Bewohnerparkausweis",
        "submitted_at": "2026-11-25T13:05:00+00:00",
        "recipient_name": "Jörg Müller",
        "attachments": ["meldebescheinigung.pdf", "fahrzeugschein.jpg"],
        "fee": "12.50",
        "processing_days": 10,
    }
    return {**values, **changes}


def decision(**changes: Any) -> dict[str, Any]:
    values = {
        "case_number": "2026-BPA-000123",
        "application_title": "Bewohnerparkausweis",
        "decision": "approved",
        "decided_at": "2026-12-01T09:30:00Z",
        "recipient_name": "Jörg Müller",
        "clerk_name": "Petra Schulte",
    }
    return {**values, **changes}


def text_of(data: bytes) -> str:
    """The letter's text with line breaks and spacing evened out, as a reader would take it."""
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", LETTER_KINDS)
def test_every_letter_carries_the_case_the_application_and_the_office(kind, language):
    values = receipt() if kind == "receipt" else decision()

    text = text_of(render_letter(kind, language, SOEST, values))

    assert "2026-BPA-000123" in text
    assert "Bewohnerparkausweis" in text
    assert "Jörg Müller" in text
    assert "Stadt Soest - Bürgerbüro" in text
    assert "Am Vreithof 8" in text
    assert "59494 Soest" in text
    assert "buergerbuero@soest.de" in text


def test_a_german_receipt_shows_local_time_fee_attachments_and_what_happens_next():
    text = text_of(render_letter("receipt", "de", SOEST, receipt()))

    assert "Eingangsbestätigung" in text
    assert "am 25.11.2026, 14:05 Uhr bei uns eingegangen" in text
    assert "Soest, 25.11.2026" in text
    assert "Gebühr von 12,50 EUR" in text
    assert "- meldebescheinigung.pdf - fahrzeugschein.jpg" in text
    assert "innerhalb von 10 Arbeitstagen" in text
    assert "Seite 1 von 1" in text


def test_an_english_receipt_shows_local_time_fee_and_what_happens_next():
    text = text_of(render_letter("receipt", "en", SOEST, receipt()))

    assert "Acknowledgement of receipt" in text
    assert "on 25 November 2026, 14:05" in text
    assert "A fee of EUR 12.50" in text
    assert "within 10 working days" in text
    assert "Page 1 of 1" in text


def test_times_are_shown_in_german_summer_time_when_it_applies():
    values = receipt(submitted_at="2026-07-01T22:30:00Z")

    text = text_of(render_letter("receipt", "de", SOEST, values))

    assert "02.07.2026, 00:30 Uhr" in text


def test_large_fees_are_grouped_per_language():
    values = receipt(fee="1234.5")

    assert "1.234,50 EUR" in text_of(render_letter("receipt", "de", SOEST, values))
    assert "EUR 1,234.50" in text_of(render_letter("receipt", "en", SOEST, values))


def test_a_receipt_leaves_out_the_paragraphs_of_optional_values_not_given():
    values = receipt(attachments=None, fee="", processing_days=None)

    text = text_of(render_letter("receipt", "de", SOEST, values))

    assert "Anlagen" not in text
    assert "Gebühr" not in text
    assert "Arbeitstagen" not in text
    assert "maschinell erstellt" in text


@pytest.mark.parametrize(("language", "wording"), [("de", "genehmigt"), ("en", "approved")])
def test_an_approved_decision_says_so(language, wording):
    text = text_of(render_letter("decision", language, SOEST, decision()))

    assert f"{wording}." in text
    assert "abgelehnt" not in text
    assert "rejected" not in text


@pytest.mark.parametrize(
    ("language", "wording", "label"),
    [("de", "abgelehnt", "Begründung:"), ("en", "rejected", "Reasons:")],
)
def test_a_rejected_decision_gives_the_reason(language, wording, label):
    values = decision(decision="rejected", reason="Der Wohnsitz liegt außerhalb der Zone.")

    text = text_of(render_letter("decision", language, SOEST, values))

    assert f"{wording}." in text
    assert f"{label} Der Wohnsitz liegt außerhalb der Zone." in text


def test_a_german_decision_is_dated_on_the_day_of_the_decision_and_signed_by_the_clerk():
    text = text_of(render_letter("decision", "de", SOEST, decision()))

    assert "Soest, 01.12.2026" in text
    assert "Im Auftrag Petra Schulte" in text


def test_a_decision_without_a_clerk_is_signed_by_the_office_alone():
    text = text_of(render_letter("decision", "de", SOEST, decision(clerk_name=None)))

    assert "Im Auftrag" not in text
    assert text.count("Stadt Soest - Bürgerbüro") >= 2


def test_names_with_umlauts_and_letters_beyond_latin_1_render_without_error():
    values = receipt(recipient_name="Zoë Łukasiewicz", application_title="Müllgebühren \u5c71")

    text = text_of(render_letter("receipt", "de", SOEST, values))

    assert "Zoë" in text
    assert "ukasiewicz" in text
    assert "Müllgebühren ?" in text


def test_typographic_quotes_dashes_and_the_euro_sign_become_plain_characters():
    values = receipt(application_title="\u201eSondernutzung\u201c \u2013 Café \u20ac")

    text = text_of(render_letter("receipt", "de", SOEST, values))

    assert '"Sondernutzung" - Café EUR' in text


def test_citizen_text_is_printed_as_written_and_not_read_as_markup():
    values = decision(decision="rejected", reason="**fett** <b>html</b> {case_number}")

    text = text_of(render_letter("decision", "de", SOEST, values))

    assert "**fett** <b>html</b> {case_number}" in text


def test_a_long_letter_numbers_its_pages():
    values = decision(decision="rejected", reason="Die Unterlagen sind unvollständig. " * 300)

    pages = PdfReader(io.BytesIO(render_letter("decision", "de", SOEST, values))).pages

    assert len(pages) > 1
    assert f"Seite {len(pages)} von {len(pages)}" in pages[-1].extract_text()


def test_long_text_is_broken_between_words_and_stays_within_the_margins():
    word = "Personenstandsurkundenbeglaubigungsvermerk" * 3  # longer than a line
    reason = "Die Unterlagen sind leider unvollst\u00e4ndig. " * 12 + word
    data = render_letter("decision", "de", SOEST, decision(decision="rejected", reason=reason))
    page = PdfReader(io.BytesIO(data)).pages[0]
    right_edge = float(page.mediabox.width) - 20 / 25.4 * 72  # the right margin: 20 mm, in pt
    measure = FPDF(unit="pt")
    ends: list[float] = []

    def line_end(text: str, _cm, tm, _font, size: float) -> None:
        if text.strip():
            measure.set_font("Helvetica", size=size)
            ends.append(tm[4] + measure.get_string_width(text.rstrip("\n")))

    page.extract_text(visitor_text=line_end)
    text = text_of(data)

    assert "Die Unterlagen sind leider unvollst\u00e4ndig." in text
    assert word in text.replace(" ", "")  # cut between its letters, nothing lost
    assert len(ends) > 20 and max(ends) <= right_edge + 0.5


@pytest.mark.parametrize("kind", LETTER_KINDS)
def test_missing_required_values_are_all_named(kind):
    values = {"application_title": "Bewohnerparkausweis", "recipient_name": "  "}

    with pytest.raises(LetterValuesMissing) as raised:
        render_letter(kind, "de", SOEST, values)

    expected = [name for name in required_values(kind) if name != "application_title"]
    assert raised.value.missing == expected
    assert isinstance(raised.value, ValueError)


def test_a_rejection_without_a_reason_is_refused():
    with pytest.raises(LetterValuesMissing) as raised:
        render_letter("decision", "en", SOEST, decision(decision="rejected", reason=" "))

    assert raised.value.missing == ["reason"]


def test_a_decision_other_than_approved_or_rejected_is_refused():
    with pytest.raises(ValueError, match="decision"):
        render_letter("decision", "de", SOEST, decision(decision="maybe"))


@pytest.mark.parametrize(("kind", "language"), [("invoice", "de"), ("receipt", "fr")])
def test_unknown_kinds_and_languages_are_refused(kind, language):
    with pytest.raises(ValueError, match="unknown"):
        render_letter(kind, language, SOEST, receipt())
    with pytest.raises(ValueError, match="unknown"):
        letter_title(kind, language, receipt())


def test_required_values_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="unknown"):
        required_values("invoice")


@pytest.mark.parametrize(("field", "value"), [("fee", "zwölf"), ("submitted_at", "gestern")])
def test_malformed_fees_and_dates_are_refused(field, value):
    with pytest.raises(ValueError, match=field):
        render_letter("receipt", "de", SOEST, receipt(**{field: value}))


def test_letter_titles_name_the_kind_and_the_case():
    assert letter_title("receipt", "de", receipt()) == "Eingangsbestätigung 2026-BPA-000123"
    assert letter_title("decision", "en", decision()) == "Decision 2026-BPA-000123"


def test_a_letter_title_needs_the_case_number():
    with pytest.raises(LetterValuesMissing) as raised:
        letter_title("receipt", "de", {})

    assert raised.value.missing == ["case_number"]


def test_the_pdf_metadata_names_the_letter_the_office_and_the_language():
    reader = PdfReader(io.BytesIO(render_letter("decision", "de", SOEST, decision())))

    assert reader.metadata.title == "Bescheid 2026-BPA-000123"
    assert reader.metadata.author == "Stadt Soest \u2013 Bürgerbüro"
    assert reader.trailer["/Root"]["/Lang"] == "de"


def test_rendering_the_same_letter_twice_gives_the_same_bytes():
    first = render_letter("receipt", "de", SOEST, receipt())

    assert render_letter("receipt", "de", SOEST, receipt()) == first
