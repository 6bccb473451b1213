"""The portal's pages when a service fails under them: the portal's own error page in the
visitor's language, never a stack trace and never the JSON API's error body.

A browser cannot make a service of the running platform fail, so these tests start the real
gateway (which serves the portal) beside a stand-in appointments service over the real
broker: the failure is where it happens in production, at the other end of an RPC.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from services.common.rpc_entrypoint import rpc

# what the failing service knows and a citizen must never read
SECRETS = ("hunter2", "RuntimeError", "Traceback", "internals", '"error"', "list_services")


class FailingAppointments:
    """The appointments service with a bug: listing its services raises."""

    name = "appointments"

    @rpc
    def list_locations(self) -> list:
        return []

    @rpc
    def list_services(self) -> list:
        raise RuntimeError("internals: password=hunter2 in /srv/appointments/catalogue.py")


class VisibleText(HTMLParser):
    """The words a reader sees: the text outside tags, scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs) -> None:
        self.hidden += tag in ("script", "style")

    def handle_endtag(self, tag) -> None:
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data) -> None:
        if not self.hidden:
            self.words += data.split()


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.words)


def assert_portal_page(answer, status: int) -> str:
    """The answer is a page of the portal's, with its headers; its visible text."""
    assert answer.status_code == status
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    assert answer.text.lstrip().lower().startswith("<!doctype html>")
    for secret in SECRETS:
        assert secret not in answer.text
    return visible_text(answer.text)


@pytest.mark.parametrize(
    ("language", "title", "message"),
    [
        ("de", "Es ist ein Fehler aufgetreten", "Bei uns ist etwas schiefgegangen."),
        ("en", "Something went wrong", "Something went wrong on our side."),
    ],
)
def test_a_service_that_fails_unexpectedly_gives_the_portals_error_page(
    start_gateway, container_factory, web_session, language: str, title: str, message: str
):
    container_factory(FailingAppointments).start()
    start_gateway()

    answer = web_session.get(f"/appointments?lang={language}")

    text = assert_portal_page(answer, 500)
    assert re.search(rf"<h1[^>]*>{title}</h1>", answer.text)
    assert message in text
    # the reference a citizen quotes is the one the logs carry
    assert answer.headers["X-Correlation-ID"] in text


def test_a_service_that_is_not_running_gives_a_page_that_says_to_try_again(
    start_gateway, web_session
):
    start_gateway()  # and no appointments service

    answer = web_session.get("/appointments")

    text = assert_portal_page(answer, 503)
    assert re.search(r"<h1[^>]*>Das hat nicht geklappt</h1>", answer.text)
    assert "Dieser Dienst ist gerade nicht erreichbar." in text
