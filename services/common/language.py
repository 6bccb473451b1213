"""The platform's languages: German by default, English beside it.

One list for every service, schema and page, so that a third language is added here and
then in the texts (templates, catalogues, message files), not in a dozen tuples.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"


def language_field(**options: Any) -> fields.String:
    """A field that takes one of the languages (the default one when left out, unless it is
    `required`)."""
    if not options.get("required"):
        options.setdefault("load_default", DEFAULT_LANGUAGE)
    return fields.String(validate=validate.OneOf(LANGUAGES), **options)
