"""Pages from Jinja2 templates, in the session's language, with the portal's security headers.

Every answer carries a strict Content Security Policy (no inline script or style, nothing
from another origin but the configured map tiles), and nothing in a page is cached by a
shared proxy: pages can show personal data.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from werkzeug.wrappers import Request, Response

from services.common.local_time import OFFICE_TIMEZONE
from services.portal import assets
from services.portal.i18n import LANGUAGES, translations

TEMPLATES = Path(__file__).with_name("templates")
# smaller pages gain less than the header costs; level 6 is gzip's own balance of size and time
MIN_COMPRESSED = 1024
COMPRESSION_LEVEL = 6


@dataclass
class Rendered:
    """What a page method returns to show a template."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    status: int = 200


@dataclass
class Redirect:
    """What a page method returns to send the browser on (after a form: 303 See Other)."""

    location: str
    status: int = 303


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",)),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)
    env.globals.update(static=assets.url_of, language=language, languages=LANGUAGES)
    env.filters.update(
        day=lambda value, style="full": format_date(_date(value), style, locale=language),
        clock=lambda value: format_time(_local(value), "short", locale=language),
        moment=lambda value: format_datetime(_local(value), "medium", locale=language),
        euros=lambda value: format_currency(float(value), "EUR", locale=language),
    )
    return env


def render(language: str, template: str, context: dict[str, Any]) -> str:
    return environment(language).get_template(template).render(**context)


def page_response(body: str, status: int, tile_url: str) -> Response:
    response = Response(body, status=status, mimetype="text/html")
    secure(response, tile_url)
    return response


def compress(response: Response, request: Request) -> None:
    """gzip a page for a browser that takes it: pages are text and shrink to a fifth."""
    if "gzip" not in request.headers.get("Accept-Encoding", ""):
        return
    body = response.get_data()
    if len(body) < MIN_COMPRESSED:
        return
    response.set_data(gzip.compress(body, COMPRESSION_LEVEL))
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"


def secure(response: Response, tile_url: str = "") -> None:
    tiles = ""
    if tile_url:
        parts = urlsplit(tile_url.replace("{", "").replace("}", ""))
        tiles = f" {parts.scheme}://{parts.netloc}"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data:{tiles}; connect-src 'self'; worker-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"


def _local(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(OFFICE_TIMEZONE)


def _date(value: str | date | datetime) -> date:
    """The office's calendar day of a date or a moment: a moment stored in UTC shortly
    before midnight is already the next day in the town hall."""
    if isinstance(value, str):
        if "T" not in value:
            return date.fromisoformat(value)
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(OFFICE_TIMEZONE).date() if value.tzinfo else value.date()
    return value
