"""Templates made into messages: subject, plain text, HTML and SMS, the values made safe.

A template's text is written by the office; the values come from events and many of them
were typed by citizens (a name, an answer). Placeholders are `((name))`, and a time can be
formatted: `((start|date))`, `((start|time))`, `((start|datetime))`. Every value is
stripped of links and markup in plain text and SMS, and escaped (links removed) in HTML;
only the values a template names under `links` (links the platform itself made, such as a
confirmation link) stay links.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

PLACEHOLDER = re.compile(r"\(\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\s*(date|time|datetime)\s*)?\)\)")
_TAG = re.compile(r"<[^>]*>?")
_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.|(?:javascript|data|vbscript):)\S*")
_MARKUP_CHARACTERS = re.compile(r"[*`>|~\[\]]")
_BLANK_LINE = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_LETTERHEAD = ' style="font-weight: bold; border-bottom: 4px solid #005ea5;"'

WEEKDAYS = {
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS = {
    "de": (
        "Januar", "Februar", "März", "April", "Mai", "Juni",
        "Juli", "August", "September", "Oktober", "November", "Dezember",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class TemplateText:
    name: str
    language: str
    version: int
    subject: str
    body: str
    sms: str | None
    links: frozenset[str] = frozenset()

    def placeholders(self) -> set[str]:
        texts = (self.subject, self.body, self.sms or "")
        return {match.group(1) for text in texts for match in PLACEHOLDER.finditer(text)}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str


def clean_text(value: str) -> str:
    """A citizen's value for plain text and SMS: no links, no markup, no line breaks."""
    value = _MARKDOWN_LINK.sub(r"\1", value)
    value = _TAG.sub("", value)
    value = _URL.sub("", value)
    value = _MARKUP_CHARACTERS.sub("", value)
    return _SPACES.sub(" ", value.replace("\n", " ")).strip()


def clean_html(value: str) -> str:
    """A citizen's value for HTML: links removed, everything else escaped, shown as typed."""
    value = _MARKDOWN_LINK.sub(r"\1", value)
    value = _URL.sub("", value)
    return html.escape(_SPACES.sub(" ", value.replace("\n", " ")).strip())


def is_link(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def formatted(value: Any, style: str | None, language: str) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if style is None:
        return str(value)
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    date = _date(moment, language)
    clock = f"{moment:%H:%M}" + (" Uhr" if language == "de" else "")
    return {"date": date, "time": clock, "datetime": f"{date}, {clock}"}[style]


def _date(moment: datetime, language: str) -> str:
    names = language if language in WEEKDAYS else "en"
    weekday = WEEKDAYS[names][moment.weekday()]
    month = MONTHS[names][moment.month - 1]
    if names == "de":
        return f"{weekday}, {moment.day}. {month} {moment.year}"
    return f"{weekday}, {moment.day} {month} {moment.year}"


def missing_values(template: TemplateText, values: Mapping[str, Any]) -> set[str]:
    return {name for name in template.placeholders() if name not in values}


def render(template: TemplateText, values: Mapping[str, Any], *, office: str) -> Rendered:
    """The message in every form; a placeholder without a value renders empty."""
    compiled = _compiled(template)
    plain_values: dict[tuple[str, str | None], str] = {}
    html_values: dict[tuple[str, str | None], str] = {}

    def plain(name: str, style: str | None) -> str:
        key = (name, style)
        if key not in plain_values:
            value = formatted(values.get(name), style, template.language)
            linked = name in template.links and is_link(value)
            plain_values[key] = value if linked else clean_text(value)
        return plain_values[key]

    def marked_up(name: str, style: str | None) -> str:
        key = (name, style)
        if key not in html_values:
            value = formatted(values.get(name), style, template.language)
            if name in template.links and is_link(value):
                link = html.escape(value, quote=True)
                html_values[key] = f'<a href="{link}">{link}</a>'
            else:
                html_values[key] = clean_html(value)
        return html_values[key]

    subject = _SPACES.sub(" ", _fill(compiled.subject, plain).replace("\n", " ")).strip()
    text = _fill(compiled.body, plain).strip() + "\n"
    sms = _fill(compiled.sms, plain).strip()
    paragraphs = [
        "<p>" + "<br>\n".join(_fill(line, marked_up) for line in lines) + "</p>"
        for lines in compiled.paragraphs
    ]
    page = (
        f'<!DOCTYPE html>\n<html lang="{template.language}"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>\n"
        '<body style="font-family: Arial, sans-serif; line-height: 1.5; color: #0b0c0c;">\n'
        f"<p{_LETTERHEAD}>{html.escape(office)}</p>\n"
        + "\n".join(paragraphs)
        + "\n</body></html>\n"
    )
    return Rendered(subject, text, page, sms)


# a text split at its placeholders: (literal text before, placeholder name, style), the last
# piece's name None; an HTML line's literals are escaped already
Pieces = tuple[tuple[str, str | None, str | None], ...]


@dataclass(frozen=True)
class _Compiled:
    subject: Pieces
    body: Pieces
    sms: Pieces
    paragraphs: tuple[tuple[Pieces, ...], ...]  # of the HTML page: its lines' pieces


@functools.lru_cache(maxsize=256)
def _compiled(template: TemplateText) -> _Compiled:
    """A template's texts parsed once: a message then only fills in its values. Keyed by
    the template's whole text (and version), so a new version is parsed anew."""
    sms = template.sms if template.sms is not None else template.subject
    paragraphs = tuple(
        tuple(_pieces(line, html.escape) for line in paragraph.splitlines())
        for paragraph in _BLANK_LINE.split(template.body.strip())
    )
    return _Compiled(_pieces(template.subject), _pieces(template.body), _pieces(sms), paragraphs)


def _pieces(text: str, literal: Callable[[str], str] = str) -> Pieces:
    pieces: list[tuple[str, str | None, str | None]] = []
    position = 0
    for match in PLACEHOLDER.finditer(text):
        pieces.append((literal(text[position : match.start()]), match.group(1), match.group(2)))
        position = match.end()
    pieces.append((literal(text[position:]), None, None))
    return tuple(pieces)


def _fill(pieces: Pieces, value_of: Callable[[str, str | None], str]) -> str:
    return "".join(
        literal + value_of(name, style) if name is not None else literal
        for literal, name, style in pieces
    )
