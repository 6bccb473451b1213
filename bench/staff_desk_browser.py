"""The call to the hall's display, timed in Chromium: run by bench/staff_desk.py in a process
without eventlet. One browser holds the desk (a clerk signed in) and the display (opened
with its key); the desk presses N, the display notes on its own clock when the number
appears; then the desk presses S. Prints one line of JSON: {"call_ms": [...]}.

    python -m bench.staff_desk_browser --url http://127.0.0.1:8000 --location rathaus \
        --key KEY [--calls 50]
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
WAIT_MS = 10_000

# the display notes the wall-clock time of every new latest call
WATCH = """() => {
  window.benchCalls = [];
  const list = document.querySelector("[data-call-list]");
  new MutationObserver(() => {
    const key = list.querySelector("[data-call-key]")?.dataset.callKey;
    if (key) window.benchCalls.push({ key, at: Date.now() });
  }).observe(list, { childList: true, subtree: true });
}"""


def sign_in(page: Page, subject: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Benutzername").fill(subject)
    page.get_by_label("Sachbearbeitung").check()
    page.get_by_label("Fachbereiche").fill("buergerbuero")  # the desks' department
    page.get_by_role("button", name="Anmelden").click()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--location", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args(argv)
    took = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        display = browser.new_context(base_url=args.url).new_page()
        display.goto(f"/staff/desk/display/{args.location}?key={args.key}")
        desk = browser.new_context(base_url=args.url).new_page()
        sign_in(desk, "bench-desk")
        desk.goto(f"/staff/desk?location={args.location}&desk=1")
        display.evaluate(WATCH)
        at_desk = desk.get_by_role("region", name="An Ihrem Schalter")
        for _ in range(args.calls):
            pressed = desk.evaluate("() => Date.now()")
            desk.keyboard.press("n")
            expect(at_desk.get_by_role("button", name="Erledigt")).to_be_visible(timeout=WAIT_MS)
            ticket = int(at_desk.get_by_text(re.compile(r"^Nummer \d+$")).inner_text().split()[1])
            arrived = display.wait_for_function(
                """([ticket, pressed]) => window.benchCalls.find(
                     (call) => call.key === `${ticket}-1` && call.at >= pressed)?.at""",
                arg=[ticket, pressed],
                timeout=WAIT_MS,
            ).json_value()
            took.append(arrived - pressed)
            desk.keyboard.press("s")
            expect(at_desk.get_by_role("button", name="Erledigt")).to_have_count(0, timeout=WAIT_MS)
        browser.close()
    print(json.dumps({"call_ms": took}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
