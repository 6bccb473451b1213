"""The name a download is saved under: the last component of what the citizen gave, without
controls or quotes, RFC 6266 encoded; made of the type and the id when nothing is left."""

from __future__ import annotations

import pytest

from services.documents.downloads import attachment_disposition, clean_filename, download_name
from services.documents.models import DocumentRow, VersionRow

DOCUMENT_ID = "0b7e1c2a-5d7f-4f6e-9a51-3c1d2e4f5a6b"


@pytest.mark.parametrize(
    ("given", "served"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\temp\\x.pdf", "x.pdf"),
        ("uploads/../..\\..//bescheid.pdf", "bescheid.pdf"),
        ('Bescheid Müller "final".pdf', "Bescheid Müller final.pdf"),
        ("Bescheid\nSet-Cookie: a=b.pdf", "Bescheid Set-Cookie: a=b.pdf"),
        ("Rechnung\r\n\tMärz.pdf", "Rechnung März.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        (".bashrc", "bashrc"),
        ("plan.pdf. ", "plan.pdf"),
    ],
)
def test_only_the_cleaned_last_component_of_a_name_is_served(given, served):
    assert clean_filename(given) == served


@pytest.mark.parametrize("given", ["", "../", "C:\\temp\\", "..", '"\n"', "\x00\x1b"])
def test_a_name_that_leaves_nothing_is_empty(given):
    assert clean_filename(given) == ""


def test_the_header_carries_an_ascii_fallback_and_the_exact_name_in_utf8():
    header = attachment_disposition("Bescheid Müller 100%.pdf")

    assert header == (
        'attachment; filename="Bescheid Muller 100_.pdf"; '
        "filename*=UTF-8''Bescheid%20M%C3%BCller%20100%25.pdf"
    )


def test_a_name_without_an_ascii_form_keeps_its_place_in_the_fallback():
    header = attachment_disposition("Straße 東京.pdf")

    assert header.startswith('attachment; filename="Stra_e __.pdf"; ')
    assert header.endswith("filename*=UTF-8''Stra%C3%9Fe%20%E6%9D%B1%E4%BA%AC.pdf")


def row(filename: str | None, title: str | None) -> tuple[DocumentRow, VersionRow]:
    document = DocumentRow(id=DOCUMENT_ID, document_type="attachment", title=title)
    return document, VersionRow(filename=filename, media_type="application/pdf")


def test_the_uploaded_name_wins_then_the_title_then_the_type_and_id():
    assert download_name(*row("../scan.pdf", "Nachweis")) == "scan.pdf"
    assert download_name(*row(None, "Nachweis")) == "Nachweis.pdf"
    assert download_name(*row("../", "a/b/Nachweis")) == "Nachweis.pdf"
    assert download_name(*row("\n", "..")) == f"attachment-{DOCUMENT_ID}.pdf"
