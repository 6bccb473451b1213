"""What the portal's browser tests share besides fixtures: the running platform, signing in
through the portal's pages or the JSON API, the accessibility check, a dog tax by API."""

from __future__ import annotations

import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.support.smtp import MailCatcher

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@dataclass
class Platform:
    url: str
    mail: MailCatcher
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text()


_AXE = Axe()


def assert_accessible(page: Page) -> None:
    """axe-core finds no violation of WCAG 2.1 A or AA on the page as it is now."""
    results = _AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    violations = [
        f"{violation['id']}: {violation['help']} at {[n['target'] for n in violation['nodes']]}"
        for violation in results.response["violations"]
    ]
    assert not violations, f"{page.url}: {violations}"


ROLE_LABELS = {
    "citizen": "Bürgerin oder Bürger",
    "clerk": "Sachbearbeitung",
    "admin": "Verwaltung der Plattform",
}


def sign_in(
    page: Page,
    subject: str,
    role: str = "citizen",
    name: str | None = None,
    departments: tuple[str, ...] = (),
) -> None:
    """Sign in through the portal's development sign-in page (AUTH.dev_login)."""
    page.goto("/sign-in")
    page.get_by_label("Benutzername").fill(subject)
    if name:
        page.get_by_label("Vor- und Nachname").fill(name)
    page.get_by_label(ROLE_LABELS[role]).check()
    if departments:
        page.get_by_label("Fachbereiche").fill(", ".join(departments))
    page.get_by_role("button", name="Anmelden").click()


def api_token(platform: Platform, subject: str, role: str, **claims) -> dict[str, str]:
    """Headers with a bearer token of the JSON API's dev login, for what a test does there."""
    answer = requests.post(
        f"{platform.url}/api/v1/auth/dev-login",
        json={"subject": subject, "role": role, **claims},
        timeout=10,
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def dog_tax_by_api(platform: Platform, citizen: str) -> dict:
    """A dog tax registration submitted through the JSON API as `citizen`: the case."""
    answer = requests.post(
        f"{platform.url}/api/v1/applications/cases",
        json={
            "application_type": "hundesteuer",
            "form": {
                "dogs": [
                    {
                        "name": "Luna",
                        "breed": "Pudel",
                        "born": "2022-01-01",
                        "chip_number": "276098106500001",
                    }
                ],
                "kept_since": "2023-01-01",
                "address": {
                    "street": "Markt",
                    "house_number": "1",
                    "postcode": "59494",
                    "city": "Soest",
                },
            },
            "contact": {"name": "Lena Krause"},
            "idempotency_key": str(uuid.uuid4()),
        },
        headers=api_token(platform, citizen, "citizen"),
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()
