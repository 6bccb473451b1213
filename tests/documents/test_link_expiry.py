"""A download link stops working when its lifetime is over."""

from __future__ import annotations

import time

import pytest


@pytest.fixture
def document_settings(document_settings):
    # one second, for this module only: every other test needs its links to outlive a busy machine
    return {**document_settings, "download_link_seconds": 1}


def test_an_expired_download_link_is_gone(portal_of, annas_document):
    anna = portal_of("anna")
    url = anna.link(annas_document["document_id"]).json()["url"]
    time.sleep(1.2)

    expired = anna.session.get(url)

    assert expired.status_code == 410 and expired.json()["error"]["code"] == "link_expired"
