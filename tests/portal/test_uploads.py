"""The routes the portal's upload script calls: refused clearly, as JSON, when they must be."""

from __future__ import annotations

import re

import pytest
import requests

from tests.support.portal import Platform

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _signed_in(platform: Platform) -> tuple[requests.Session, str]:
    """A citizen's browser without a script: the session cookie and a page's form token."""
    browser = requests.Session()
    form = browser.get(f"{platform.url}/sign-in", timeout=10).text
    browser.post(
        f"{platform.url}/sign-in",
        data={"csrf_token": TOKEN.search(form)[1], "subject": "erika", "role": "citizen"},
        timeout=10,
    ).raise_for_status()
    page = browser.get(f"{platform.url}/applications", timeout=10).text
    return browser, TOKEN.search(page)[1]


def test_a_visitor_who_has_not_signed_in_is_told_so_not_sent_to_a_page(platform: Platform):
    answer = requests.post(f"{platform.url}/uploads", data={}, timeout=10)

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("token", [None, "forged"])
def test_a_part_without_the_sessions_form_token_is_refused(platform: Platform, token):
    browser, _ = _signed_in(platform)
    headers = {"X-Content-SHA256": "0" * 64} | ({"X-CSRF-Token": token} if token else {})

    answer = browser.put(
        f"{platform.url}/uploads/any-upload/parts/1", data=b"x", headers=headers, timeout=10
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "form_expired"


def test_an_upload_for_no_known_purpose_is_refused_with_the_services_code(platform: Platform):
    browser, token = _signed_in(platform)

    answer = browser.post(
        f"{platform.url}/uploads",
        data={"application_type": "no-such-type", "purpose": "x", "size": "1"},
        headers={"X-CSRF-Token": token},
        timeout=10,
    )

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "unknown_application_type"
