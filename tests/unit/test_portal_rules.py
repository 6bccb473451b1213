"""The portal's rules without a browser: its words, its session cookie, where it sends people."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.common.identity import Caller
from services.gateway.service import GatewayService
from services.portal import i18n
from services.portal.pages import Page, language_links
from services.portal.session import Session, SessionCodec, csrf_matches, masked_csrf
from services.portal.settings import PortalSettings
from services.portal.sign_in import safe_next

PORTAL = Path(i18n.__file__).parent
KEY = re.compile(r"""_\(\s*["']([a-z0-9_.]+)["']""")
# keys the code hands to templates, which translate them there
TOLD = re.compile(
    r"""(?:tell|with_notice)\(\s*["']([a-z0-9_.]+)["']\)|["']((?:form|error\.code|appointments|sign_in)\.[a-z0-9_.]+)["']"""
)


def used_keys() -> set[str]:
    found = set()
    for path in (*PORTAL.glob("templates/**/*.html"), *PORTAL.glob("*.py")):
        text = path.read_text()
        found |= set(KEY.findall(text))
        found |= {key for pair in TOLD.findall(text) for key in pair if key}
    # keys a template completes ("error.code." ~ code) are checked where they are made
    return {key for key in found if not key.endswith((".", ".html"))}


def test_every_word_a_page_uses_is_in_german_and_in_english():
    german, english = i18n.keys("de"), i18n.keys("en")

    assert used_keys() - german == set()
    assert used_keys() - english == set()
    assert german == english


def test_a_language_is_taken_only_when_the_portal_speaks_it():
    assert i18n.chosen_language("en", "de") == "en"
    assert i18n.chosen_language("fr", "de") == "de"
    assert i18n.chosen_language(None, "en") == "en"


def test_no_page_hides_another_entrypoint_of_the_gateway():
    names = [
        name
        for cls in GatewayService.__mro__
        for name, member in vars(cls).items()
        if inspect.isfunction(member) and getattr(member, "nameko_entrypoints", None)
    ]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    pages = [
        entrypoint
        for cls in GatewayService.__mro__
        for member in vars(cls).values()
        for entrypoint in getattr(member, "nameko_entrypoints", ())
        if isinstance(entrypoint, Page)
    ]
    assert pages


CODEC = SessionCodec(PortalSettings(session_idle_minutes=30))


def test_a_session_comes_back_as_it_was_sent():
    session = Session(language="en").signed_in_as(Caller("erika", "citizen", (), "Erika M."))

    loaded, ended = CODEC.load(CODEC.dump(session, now=1000.0), now=1001.0)

    assert not ended
    assert (loaded.subject, loaded.role, loaded.name, loaded.language) == (
        "erika",
        "citizen",
        "Erika M.",
        "en",
    )
    assert loaded.csrf == session.csrf


def test_a_session_unused_for_longer_than_allowed_has_ended_and_signs_out():
    signed_in = Session().signed_in_as(Caller("erika", "citizen"))
    cookie = CODEC.dump(signed_in, now=1000.0)

    loaded, ended = CODEC.load(cookie, now=1000.0 + 31 * 60)

    assert ended
    assert not loaded.signed_in


@pytest.mark.parametrize("cookie", ["", "garbage", "gAAAAABforged"])
def test_a_cookie_the_portal_did_not_make_is_a_new_anonymous_session(cookie):
    loaded, ended = CODEC.load(cookie)

    assert not loaded.signed_in and not ended


def test_each_page_masks_the_form_token_afresh_and_every_mask_is_accepted():
    token = Session().csrf

    first, second = masked_csrf(token), masked_csrf(token)

    assert first != second and token not in first + second
    assert csrf_matches(first, token) and csrf_matches(second, token)


@pytest.mark.parametrize(
    "sent",
    ["", "forged", "!!", masked_csrf("another-sessions-token")],
    ids=["empty", "forged", "not-base64", "another-sessions"],
)
def test_a_form_token_the_session_did_not_give_is_refused(sent):
    assert not csrf_matches(sent, Session().csrf)


def _request(method: str, path: str, referrer: str | None = None) -> Request:
    headers = {"Referer": referrer} if referrer else {}
    environ = EnvironBuilder(
        path=path, method=method, base_url="http://portal.example", headers=headers
    )
    return Request(environ.get_environ())


def test_the_language_links_keep_the_pages_question_and_drop_the_old_language():
    links = language_links(_request("GET", "/appointments/book/day?service=pass&lang=de"))

    assert links["en"] == "/appointments/book/day?service=pass&lang=en"
    assert links["de"] == "/appointments/book/day?service=pass&lang=de"


def test_after_a_form_the_language_links_lead_back_to_the_page_the_form_was_on():
    came_from = "http://portal.example/appointments/book/details?slot=9&lang=de"

    links = language_links(_request("POST", "/appointments/book/hold", came_from))

    assert links["en"] == "/appointments/book/details?slot=9&lang=en"


@pytest.mark.parametrize("referrer", [None, "https://evil.example/phish?x=1", "javascript:x"])
def test_after_a_form_from_elsewhere_the_language_links_lead_to_the_start(referrer):
    links = language_links(_request("POST", "/appointments/book/hold", referrer))

    assert links["en"] == "/?lang=en"


def test_signing_in_gives_a_new_form_token():
    before = Session()

    assert before.signed_in_as(Caller("erika", "citizen")).csrf != before.csrf


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/appointments/mine", "/appointments/mine"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_after_signing_in_the_portal_sends_people_only_to_its_own_pages(target, safe):
    assert safe_next(target) == safe
