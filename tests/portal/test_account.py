"""A signed-in citizen's own pages: their documents, their inbox, their settings; and the one
cookie the portal sets."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import requests
from playwright.sync_api import Page, expect
from werkzeug.wrappers import Response

from services.common.identity import Caller
from services.common.local_time import OFFICE_TIMEZONE
from services.portal.session import COOKIE, Session, SessionCodec
from services.portal.settings import PortalSettings
from tests.support.portal import Platform, api_token, assert_accessible, sign_in
from tests.support.waiting import wait_for


def pdf(seed: str) -> bytes:
    """A small content that sniffs as PDF, different for each seed."""
    return b"%PDF-1.7\n" + hashlib.sha256(seed.encode()).digest() * 40


def upload(platform: Platform, headers: dict[str, str], title: str, content: bytes) -> str:
    """A document of the citizen's, uploaded in one part through the JSON API; its id."""
    api = f"{platform.url}/api/v1/documents"
    digest = hashlib.sha256(content).hexdigest()
    spec = {
        "document_type": "attachment",
        "title": title,
        "media_type": "application/pdf",
        "size": len(content),
        "sha256": digest,
    }
    started = requests.post(f"{api}/uploads", json=spec, headers=headers, timeout=10)
    assert started.status_code == 201, started.text
    upload_id = started.json()["upload_id"]
    part = requests.put(
        f"{api}/uploads/{upload_id}/parts/1",
        data=content,
        headers={**headers, "X-Content-SHA256": digest},
        timeout=10,
    )
    assert part.status_code == 200, part.text
    done = requests.post(f"{api}/uploads/{upload_id}/complete", headers=headers, timeout=30)
    assert done.status_code == 201, done.text
    return done.json()["document_id"]


def apply_for_parking(platform: Platform, headers: dict[str, str]) -> None:
    """A residents' parking permit applied for through the JSON API: the office answers in
    the inbox."""
    registration = upload(platform, headers, "Fahrzeugschein", pdf("registration"))
    residence = upload(platform, headers, "Meldebescheinigung", pdf("residence"))
    application = {
        "application_type": "bewohnerparkausweis",
        "form": {
            "plate": "SO-AB 123",
            "vehicle_owner": "self",
            "address": {
                "street": "Am Vreithof",
                "house_number": "8",
                "postcode": "59494",
                "city": "Soest",
            },
            "zone": "B",
            "valid_from": (date.today() + timedelta(days=7)).isoformat(),
        },
        "attachments": [
            {"document_id": registration, "purpose": "vehicle_registration"},
            {"document_id": residence, "purpose": "proof_of_residence"},
        ],
        "contact": {"name": "Ines Inbox", "email": "ines.inbox@example.org"},
    }
    answer = requests.post(
        f"{platform.url}/api/v1/applications/cases", json=application, headers=headers, timeout=10
    )
    assert answer.status_code == 201, answer.text


def inbox_of(platform: Platform, headers: dict[str, str]) -> list[dict]:
    answer = requests.get(f"{platform.url}/api/v1/notifications/inbox", headers=headers, timeout=10)
    return answer.json()["items"]


def test_a_citizen_finds_their_documents_and_downloads_one(page: Page, platform: Platform):
    dora = api_token(platform, "dora-documents", "citizen")
    content = pdf("dora's registration")
    upload(platform, dora, "Fahrzeugschein Dora", content)
    upload(platform, api_token(platform, "otto-other", "citizen"), "Ottos Nachweis", pdf("otto"))
    sign_in(page, "dora-documents")

    page.get_by_role("link", name="Meine Dokumente").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Dokumente")
    table = page.get_by_role("table", name="Ihre Dokumente, das neueste zuerst")
    row = table.get_by_role("row", name="Fahrzeugschein Dora")
    expect(row.get_by_role("cell").nth(0)).to_have_text("Anlage")
    today = datetime.now(OFFICE_TIMEZONE).date()
    expect(row.get_by_role("cell").nth(1)).to_have_text(f"{today:%d.%m.%Y}")
    expect(page.get_by_text("Ottos Nachweis")).to_have_count(0)
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="„Fahrzeugschein Dora“ herunterladen").click()
    assert download.value.path().read_bytes() == content


def test_a_document_that_is_not_yours_is_refused_with_a_clear_page(page: Page, platform: Platform):
    theirs = upload(platform, api_token(platform, "otto-owner", "citizen"), "Otto", pdf("o"))
    sign_in(page, "dora-curious")

    answer = page.goto(f"/documents/{theirs}/download")

    assert answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Das hat nicht geklappt")
    expect(page.get_by_text("gehört nicht zu Ihrem Konto", exact=False)).to_be_visible()
    assert_accessible(page)


def test_the_inbox_marks_what_is_unread_until_the_citizen_marks_all_read(
    page: Page, platform: Platform
):
    ines = api_token(platform, "ines-inbox", "citizen")
    apply_for_parking(platform, ines)
    [received] = wait_for(lambda: inbox_of(platform, ines), timeout=20)
    sign_in(page, "ines-inbox")

    page.get_by_role("link", name="Postfach").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Postfach")
    expect(page.get_by_role("status")).to_have_text("Ungelesene Nachrichten: 1")
    item = page.get_by_role("region", name=received["title"])
    expect(item.get_by_text("Ungelesen")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Alle als gelesen markieren").click()

    expect(page.get_by_role("status").first).to_have_text(
        "Alle Nachrichten sind als gelesen markiert."
    )
    expect(page.get_by_text("Ungelesene Nachrichten: 0")).to_be_visible()
    expect(item.get_by_text("Ungelesen")).to_have_count(0)
    expect(page.get_by_role("button", name="Alle als gelesen markieren")).to_have_count(0)
    assert_accessible(page)
    assert all(entry["read_at"] for entry in inbox_of(platform, ines))


def test_settings_show_a_phone_that_is_not_international_at_its_field_and_save_once_it_is(
    page: Page, platform: Platform
):
    sign_in(page, "sina-settings")
    page.get_by_role("link", name="Einstellungen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Einstellungen")
    expect(page.get_by_label("E-Mail", exact=True)).to_be_checked()
    expect(page.get_by_label("SMS", exact=True)).not_to_be_checked()
    assert_accessible(page)

    page.get_by_label("SMS", exact=True).check()
    page.get_by_label("Mobilnummer für SMS").fill("0170 1234567")
    page.get_by_role("button", name="Einstellungen speichern").click()

    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link", name="Mobilnummer für SMS: Bitte geben Sie")).to_be_visible()
    expect(page.get_by_label("Mobilnummer für SMS")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Mobilnummer für SMS")).to_have_value("0170 1234567")
    expect(page.get_by_label("SMS", exact=True)).to_be_checked()
    assert_accessible(page)

    page.get_by_label("Mobilnummer für SMS").fill("+491701234567")
    page.get_by_label("Englisch").check()
    page.get_by_label("E-Mail-Adresse").fill("sina@example.org")
    page.get_by_role("button", name="Einstellungen speichern").click()

    expect(page.get_by_role("status")).to_have_text("Ihre Einstellungen sind gespeichert.")
    expect(page.get_by_label("Mobilnummer für SMS")).to_have_value("+491701234567")
    expect(page.get_by_label("Englisch")).to_be_checked()
    # the portal itself still speaks the language chosen in its header
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Einstellungen")
    saved = requests.get(
        f"{platform.url}/api/v1/notifications/preferences",
        headers=api_token(platform, "sina-settings", "citizen"),
        timeout=10,
    ).json()
    assert (saved["language"], saved["channels"], saved["email"], saved["phone"]) == (
        "en",
        {"email": True, "sms": True, "inbox": True},
        "sina@example.org",
        "+491701234567",
    )


def test_the_session_cookie_is_the_only_cookie_and_nothing_loads_from_another_origin(
    page: Page, platform: Platform
):
    origins = set()
    page.on("request", lambda request: origins.add(_origin(request.url)))
    sign_in(page, "clara-cookies")
    for path in ("/", "/appointments", "/locations", "/appointments/mine", "/documents"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    for path in ("/inbox", "/settings", "/appointments/book?service=personalausweis"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    # the feedback list and an application form: the parts most likely to want a map or a CDN
    for path in ("/feedback", "/feedback/ideas", "/applications", "/applications/hundesteuer/new"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()

    [cookie] = page.context.cookies()
    assert (cookie["name"], cookie["httpOnly"], cookie["sameSite"]) == (COOKIE, True, "Lax")
    assert origins == {platform.url}


def script_sources(policy: str) -> list[str]:
    """The sources a Content-Security-Policy allows scripts from (script-src, else
    default-src)."""
    directives = {
        name: sources
        for name, *sources in (part.split() for part in policy.split(";") if part.strip())
    }
    return directives.get("script-src", directives.get("default-src", []))


def test_every_booking_page_sends_a_strict_script_policy_and_breaks_none_of_it(
    page: Page, platform: Platform
):
    # the browser reports each thing the policy blocks, as an event and on the console
    violations: list[str] = []
    page.expose_function("policyViolated", lambda text: violations.append(text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', event =>"
        " window.policyViolated(`${event.violatedDirective} ${event.blockedURI}`))"
    )
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    policies: list[str] = []
    page.on(
        "response",
        lambda response: (
            policies.append(response.headers["content-security-policy"])
            if response.request.resource_type == "document"
            else None
        ),
    )

    page.goto("/")
    page.get_by_role("link", name="Standorte und Öffnungszeiten").click()
    page.goto("/")
    page.get_by_role("link", name="Einen Termin buchen").click()
    page.get_by_role("link", name="Termin für „Personalausweis beantragen“ buchen").click()
    for step in ("An welchem Tag", "Um wie viel Uhr", "Wer kommt zum Termin?"):
        page.get_by_role("button", name="Weiter").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(step)
    page.get_by_label("Vor- und Nachname").fill("Carla Policy")
    page.get_by_label("E-Mail-Adresse").fill("carla.policy@example.org")
    # the proof of work runs its scripts and its worker under the policy
    expect(page.get_by_text("Geprüft", exact=True)).to_be_visible()
    page.get_by_role("button", name="Termin reservieren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bitte prüfen Sie Ihr Postfach")

    assert len(policies) >= 8
    for policy in policies:
        scripts = script_sources(policy)
        assert scripts == ["'self'"], policy
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, policy
    assert violations == []


def test_the_dev_sign_in_page_and_its_errors_are_accessible(page: Page, platform: Platform):
    page.goto("/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    assert_accessible(page)

    page.get_by_label("Benutzername").fill("Dora Leerzeichen")
    page.get_by_label("Fachbereiche").fill("roads; parks!")
    page.get_by_role("button", name="Anmelden").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Bitte prüfen Sie Ihre Angaben")
    expect(summary.get_by_role("link", name="Benutzername: Bitte nur Buchstaben")).to_be_visible()
    expect(summary.get_by_role("link", name="Fachbereiche: Bitte die Fachbereiche")).to_be_visible()
    expect(page.get_by_label("Benutzername")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Benutzername")).to_have_accessible_description(
        re.compile("Bitte nur Buchstaben, Ziffern und . _ - @ verwenden, ohne Leerzeichen.")
    )
    assert_accessible(page)


def test_an_expired_session_on_a_signed_in_page_shows_the_signed_out_page(
    page: Page, platform: Platform
):
    # the platform under test runs with the development key and 30 idle minutes
    codec = SessionCodec(PortalSettings())
    signed_in = Session().signed_in_as(Caller("eva-expired", "citizen"))
    stale = codec.dump(signed_in, now=time.time() - 31 * 60)
    page.context.add_cookies(
        [{"name": COOKIE, "value": stale, "url": platform.url, "httpOnly": True, "sameSite": "Lax"}]
    )

    answer = page.goto("/documents")

    assert answer.status == 401
    expect(page.get_by_role("heading", level=1)).to_have_text("Sie wurden abgemeldet")
    expect(page.get_by_role("link", name="Meine Dokumente")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name="Anmelden", exact=True).last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")


def test_with_secure_cookies_the_session_cookie_goes_over_https_only():
    for secure in (True, False):
        codec = SessionCodec(PortalSettings(secure_cookies=secure))
        response = Response()
        response.set_cookie(COOKIE, codec.dump(Session()), **codec.cookie_options())

        header = response.headers["Set-Cookie"]

        assert ("; Secure" in header) is secure
        assert "; HttpOnly" in header and "; SameSite=Lax" in header


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
