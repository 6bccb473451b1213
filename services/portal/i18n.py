"""The portal's words: gettext catalogues in German and English, read with Babel at start.

Templates hold keys (`_("book.day.title")`), never text; the `.po` files under
translations/<language>/ (one per part of the portal: common.po, appointments.po, ...)
say what a key reads as. They are compiled in memory when the portal starts, so there is
no build step and no compiled file to keep in step.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from services.common.language import LANGUAGES

TRANSLATIONS = Path(__file__).with_name("translations")
DEFAULT_LANGUAGE = "de"


@cache
def translations(language: str) -> Translations:
    merged = Translations()
    for catalog in catalogs(language):
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        merged.merge(Translations(fp=compiled))
    return merged


def catalogs(language: str) -> list[Catalog]:
    found = []
    for path in sorted((TRANSLATIONS / language).glob("*.po")):
        with path.open("rb") as po:
            found.append(read_po(po, locale=language))
    return found


def keys(language: str) -> set[str]:
    return {message.id for catalog in catalogs(language) for message in catalog if message.id}


def chosen_language(asked: str | None, current: str) -> str:
    """The language a page asks for by name (`?lang=en`), else the session's."""
    return asked if asked in LANGUAGES else current
