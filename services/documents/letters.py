"""The letters the documents service issues (receipt, decision) rendered as PDF.

The wording lives in letter_templates.yaml per kind and language; this module checks the
values, formats dates and amounts for the language and lays the letter out with fpdf2.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from fpdf import FPDF

from services.common.local_time import OFFICE_TIMEZONE
from services.documents.kinds import LANGUAGES, LETTER_KINDS

DECISIONS = ("approved", "rejected")

_TEMPLATE_FILE = Path(__file__).parent / "letter_templates.yaml"
_REQUIRED = {
    "receipt": ("case_number", "application_title", "submitted_at", "recipient_name"),
    "decision": ("case_number", "application_title", "decision", "decided_at", "recipient_name"),
}
# The letter is dated when the application came in or when it was decided, not when it is
# rendered, so rendering the same letter again gives the same document.
_LETTER_DATE = {"receipt": "submitted_at", "decision": "decided_at"}
_MONTHS_EN = "January February March April May June July August September October November December"
_FONT = "Helvetica"

# The core PDF fonts only know Latin-1: typographic marks and a few letters get close stand-ins.
_LATIN1_STAND_INS = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2013\u2014\u2022", "-"),
        **dict.fromkeys("\u2018\u2019\u201a", "'"),
        **dict.fromkeys("\u201c\u201d\u201e", '"'),
        **dict.fromkeys("\t\u2009\u202f", " "),
        **dict(zip("\u0141\u0142\u0110\u0111", "LlDd", strict=True)),
        "\u20ac": "EUR",
        "\u2026": "...",
        "\u0152": "OE",
        "\u0153": "oe",
        "\r": "",
    }
)


@dataclass(frozen=True)
class Letterhead:
    name: str
    street: str
    city: str
    phone: str = ""
    email: str = ""
    website: str = ""


class LetterValuesMissing(ValueError):
    """Required letter values were not given; .missing names every one of them."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = list(missing)
        super().__init__("letter values missing: " + ", ".join(self.missing))


def required_values(kind: str) -> tuple[str, ...]:
    if kind not in LETTER_KINDS:
        raise ValueError(f"unknown letter kind {kind!r}; expected one of {LETTER_KINDS}")
    return _REQUIRED[kind]


def letter_title(kind: str, language: str, values: Mapping[str, Any]) -> str:
    """A short title for the stored document, e.g. 'Eingangsbestätigung 2026-BPA-000123'."""
    title = _template(kind, language)["title"]
    missing = [field for field in _fields(title) if _blank(values.get(field))]
    if missing:
        raise LetterValuesMissing(missing)
    return title.format_map(_Blanks({key: _text(value) for key, value in values.items()}))


def render_letter(
    kind: str, language: str, letterhead: Letterhead, values: Mapping[str, Any]
) -> bytes:
    """The letter as PDF bytes."""
    template = _template(kind, language)
    _check(kind, values)
    text = _text_values(language, letterhead, values)
    dated = _instant(_LETTER_DATE[kind], values[_LETTER_DATE[kind]])
    pdf = _LetterPDF(letterhead, _templates()["labels"][language])
    pdf.set_title(letter_title(kind, language, values))
    pdf.set_author(letterhead.name)
    pdf.set_subject(_fill(template["subject"], text))
    pdf.set_lang(language)
    pdf.set_creation_date(dated)
    pdf.add_page()
    pdf.letterhead()
    _write_opening(pdf, template, text, _format_instant(dated, language, with_time=False))
    _write_body(pdf, template, text, values.get("decision"))
    return bytes(pdf.output())


def _write_opening(
    pdf: _LetterPDF, template: Mapping[str, Any], text: Mapping[str, str], day: str
) -> None:
    """Recipient, date line with the office's town, reference, subject and salutation."""
    pdf.set_y(max(pdf.get_y() + 8, 50))
    pdf.block(text["recipient_name"], gap=12)
    town = re.sub(r"^\d{4,5}\s+", "", pdf.head.city).strip()
    pdf.block(f"{town}, {day}" if town else day, align="R", gap=0)
    pdf.block(_fill(template["reference"], text), align="R", gap=10)
    pdf.block(_fill(template["subject"], text), bold=True, gap=6)
    pdf.block(_fill(template["salutation"], text))


def _write_body(
    pdf: _LetterPDF, template: Mapping[str, Any], text: Mapping[str, str], decision: str | None
) -> None:
    paragraphs = template["paragraphs"]
    if isinstance(paragraphs, Mapping):
        paragraphs = paragraphs[decision]
    for paragraph in _given(paragraphs, text):
        pdf.block(paragraph)
    pdf.block(template["closing"], gap=8)
    for line in _given(template["signature"], text):
        pdf.block(line, gap=2)


def latin1(text: str) -> str:
    """Text the core fonts can print: stand-ins for marks, accents dropped, else '?'."""
    return "".join(_latin1_char(char) for char in text.translate(_LATIN1_STAND_INS))


def _latin1_char(char: str) -> str:
    if ord(char) < 256:
        return char if char >= " " or char == "\n" else " "
    # "Č" decomposes to "C" and a combining caron, so names keep their base letters.
    base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
    return base or "?"


class _LetterPDF(FPDF):
    def __init__(self, letterhead: Letterhead, labels: Mapping[str, str]) -> None:
        super().__init__(format="A4")
        self.head, self.labels = letterhead, labels
        self.set_margins(25, 15, 20)
        self.set_auto_page_break(True, margin=25)

    def contact(self) -> str:
        phone = self.labels["phone"].format(phone=self.head.phone) if self.head.phone else ""
        return " · ".join(part for part in (phone, self.head.email, self.head.website) if part)

    def letterhead(self) -> None:
        self.block(self.head.name, bold=True, size=14, gap=1)
        self.block(f"{self.head.street}\n{self.head.city}", size=10, gap=0)
        self.block(self.contact(), size=9, gap=2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    def footer(self) -> None:
        self.set_y(-18)
        address = " · ".join(
            part for part in (self.head.name, self.head.street, self.head.city) if part
        )
        page = self.labels["page"].format(page=self.page_no(), pages="{nb}")
        lines = (address, self.contact(), page)
        self.block("\n".join(line for line in lines if line), size=8, align="C", gap=0)

    def block(
        self, text: str, *, bold: bool = False, size: float = 11, align: str = "L", gap: float = 3
    ) -> None:
        if not text:
            return
        self.set_font(_FONT, "B" if bold else "", size)
        for line in self._wrapped(latin1(text)):
            self.cell(0, size * 0.45, line, align=align, new_x="LMARGIN", new_y="NEXT")
        self.ln(gap)

    def _wrapped(self, text: str) -> Iterator[str]:
        """The text's lines broken between words to fit the margins, a word too long for a
        line between its letters: what multi_cell does, at a fraction of its cost (it sums
        a line's letter widths anew for each letter it adds; a receipt took 30 ms)."""
        room = self.epw - 2 * self.c_margin
        space = self._width(" ")
        for paragraph in text.split("\n"):
            line, width = "", 0.0
            for word in paragraph.split(" "):
                word_width = self._width(word)
                if line and width + space + word_width > room:
                    yield line
                    line, width = "", 0.0
                if line:
                    line, width = f"{line} {word}", width + space + word_width
                    continue
                while word_width > room:  # longer than a line: cut between its letters
                    cut = self._letters_fitting(word, room)
                    yield word[:cut]
                    word = word[cut:]
                    word_width = self._width(word)
                line, width = word, word_width
            yield line

    def _letters_fitting(self, word: str, room: float) -> int:
        fitting = 1
        while fitting < len(word) and self._width(word[: fitting + 1]) <= room:
            fitting += 1
        return fitting

    def _width(self, text: str) -> float:
        """What get_string_width says of Latin-1 text in a core font, from the font's letter
        widths (thousandths of the size) alone: fpdf's own way shapes the text into
        fragments first, which made it most of a receipt's cost."""
        widths = self.current_font.cw
        return sum(widths[char] for char in text) * self.font_size_pt / 1000 / self.k


@cache
def _templates() -> dict[str, Any]:
    return yaml.safe_load(_TEMPLATE_FILE.read_text(encoding="utf-8"))


def _template(kind: str, language: str) -> dict[str, Any]:
    required_values(kind)
    if language not in LANGUAGES:
        raise ValueError(f"unknown letter language {language!r}; expected one of {LANGUAGES}")
    return _templates()[kind][language]


def _check(kind: str, values: Mapping[str, Any]) -> None:
    missing = [field for field in required_values(kind) if _blank(values.get(field))]
    decision = values.get("decision")
    if kind == "decision" and decision == "rejected" and _blank(values.get("reason")):
        missing.append("reason")
    if missing:
        raise LetterValuesMissing(missing)
    if kind == "decision" and decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")


def _text_values(
    language: str, letterhead: Letterhead, values: Mapping[str, Any]
) -> dict[str, str]:
    text = {key: _text(value) for key, value in values.items()}
    for key in ("submitted_at", "decided_at"):
        if not _blank(values.get(key)):
            text[key] = _format_instant(_instant(key, values[key]), language)
    if not _blank(values.get("fee")):
        text["fee"] = _format_fee(values["fee"], language)
    attachments = values.get("attachments")
    if not _blank(attachments):
        names = [attachments] if isinstance(attachments, str) else attachments
        text["attachments"] = "\n".join(f"- {name}" for name in names)
    text["office"] = letterhead.name
    return text


def _instant(key: str, value: str | datetime) -> datetime:
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} is not an ISO 8601 date and time: {value!r}") from None
    # The services store instants in UTC; a value without offset is read the same way.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _format_instant(moment: datetime, language: str, *, with_time: bool = True) -> str:
    local = moment.astimezone(OFFICE_TIMEZONE)
    if language == "de":
        day = f"{local:%d.%m.%Y}"
        return f"{day}, {local:%H:%M} Uhr" if with_time else day
    day = f"{local.day} {_MONTHS_EN.split()[local.month - 1]} {local.year}"
    return f"{day}, {local:%H:%M}" if with_time else day


def _format_fee(value: Any, language: str) -> str:
    try:
        amount = Decimal(str(value).strip()).quantize(Decimal("0.01"))
        if not amount.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise ValueError(f"fee is not an amount in euros: {value!r}") from None
    grouped = f"{amount:,.2f}"
    if language == "de":
        return grouped.translate(str.maketrans(",.", ".,")) + " \u20ac"
    return f"EUR {grouped}"


def _given(templates: Iterable[str], text: Mapping[str, str]) -> list[str]:
    """The templates filled in, leaving out those that need a value that was not given."""
    return [
        _fill(template, text)
        for template in templates
        if all(text.get(field, "").strip() for field in _fields(template))
    ]


def _fields(template: str) -> list[str]:
    names = (field for _, field, _, _ in string.Formatter().parse(template) if field)
    return [re.split(r"[.\[]", name, maxsplit=1)[0] for name in names]


def _fill(template: str, text: Mapping[str, str]) -> str:
    return template.format_map(_Blanks(text))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _blank(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, Sequence) and not value)


class _Blanks(dict):
    """Values for str.format_map: a placeholder nobody gave renders empty."""

    def __missing__(self, key: str) -> str:
        return ""
