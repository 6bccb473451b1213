"""The portal in Chromium for bench/portal_pages.py: the bytes of a first visit, and the
booking journey's time. A process of its own: Playwright does not run under eventlet's
monkey-patching, which the bench's main process has.

    python -m bench.portal_browser --url http://127.0.0.1:8000 [--journeys 3]

Prints one line of JSON: {"transfer": {kind: bytes}, "responses": n, "journeys": [seconds]}.

Transfer: a fresh browser context walks start -> catalogue -> location -> day -> time ->
details (waiting there until the proof of work is solved) and sums the encoded body size of
every response, that is the bytes as sent, compressed where the server compressed them; a
URL fetched again (an immutable asset from the cache) counts once. Journey: a fresh context
each, from opening the start page until "Bitte prüfen Sie Ihr Postfach" shows, clicking as a
person would (the fields filled at once), a different e-mail address each.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections import defaultdict

from playwright.sync_api import Browser, Page, Request, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
SERVICE = "Personalausweis beantragen"
TIMEOUT_MS = 60_000


def walk_to_details(page: Page) -> None:
    """Start -> catalogue -> location -> day -> time -> details, the first choice each."""
    page.goto("/")
    page.get_by_role("link", name="Einen Termin buchen").click()
    page.get_by_role("link", name=f"Termin für „{SERVICE}“ buchen").click()
    for heading in (
        "Wo möchten Sie den Termin wahrnehmen?",
        "An welchem Tag möchten Sie kommen?",
        "Um wie viel Uhr möchten Sie kommen?",
    ):
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wer kommt zum Termin?")


def kind_of(request: Request, content_type: str) -> str:
    if request.resource_type == "document" or "text/html" in content_type:
        return "html"
    if request.resource_type == "stylesheet" or "css" in content_type:
        return "css"
    if request.resource_type == "font" or "font" in content_type:
        return "fonts"
    if request.resource_type == "script" or "javascript" in content_type:
        return "js"
    return "other"


def transfer(browser: Browser, url: str) -> tuple[dict[str, int], int]:
    """Bytes by kind of a first visit to the booking pages, and the responses counted."""
    context = browser.new_context(base_url=url, locale="de-DE")
    context.set_default_timeout(TIMEOUT_MS)
    finished: list[Request] = []
    context.on("requestfinished", lambda request: finished.append(request))
    page = context.new_page()
    walk_to_details(page)
    expect(
        page.get_by_text("Geprüft", exact=True)
    ).to_be_visible()  # the worker script has come too
    sizes: dict[str, tuple[str, int]] = {}
    for request in finished:
        response = request.response()
        if response is None:
            continue
        body = request.sizes()["responseBodySize"]
        kind = kind_of(request, response.headers.get("content-type", ""))
        if body > sizes.get(request.url, ("", -1))[1]:
            sizes[request.url] = (kind, body)
    context.close()
    by_kind: dict[str, int] = defaultdict(int)
    for kind, body in sizes.values():
        by_kind[kind] += body
    return dict(by_kind), len(sizes)


def journey(browser: Browser, url: str) -> float:
    """Seconds from opening the start page until the page asks to check the mail."""
    context = browser.new_context(base_url=url, locale="de-DE")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    began = time.perf_counter()
    walk_to_details(page)
    page.get_by_label("Vor- und Nachname").fill("Bench Bürgerin")
    page.get_by_label("E-Mail-Adresse").fill(f"bench-{uuid.uuid4().hex[:8]}@example.org")
    expect(page.get_by_text("Geprüft", exact=True)).to_be_visible()
    page.get_by_role("button", name="Termin reservieren").click()
    page.wait_for_load_state()
    if page.get_by_role("alert").count():
        raise RuntimeError(f"the hold was refused: {page.get_by_role('alert').inner_text()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bitte prüfen Sie Ihr Postfach")
    seconds = time.perf_counter() - began
    context.close()
    return seconds


def main(argv: list[str] | None = None) -> int:
    expect.set_options(timeout=TIMEOUT_MS)
    parser = argparse.ArgumentParser(prog="python -m bench.portal_browser")
    parser.add_argument("--url", required=True)
    parser.add_argument("--journeys", type=int, default=3)
    args = parser.parse_args(argv)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            by_kind, responses = transfer(browser, args.url)
            journeys = [journey(browser, args.url) for _ in range(args.journeys)]
        finally:
            browser.close()
    print(json.dumps({"transfer": by_kind, "responses": responses, "journeys": journeys}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
