"""Signing in to the portal at the identity provider (OpenID Connect, code flow with PKCE),
and every way that can go wrong ending on a clear page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from playwright.sync_api import Page, expect

from services.gateway.settings import AuthSettings
from services.portal.oidc import (
    IdentityProviderUnavailable,
    Provider,
    SignInDeclined,
    SignInTokenRefused,
    pending_sign_in,
)
from services.portal.settings import PortalSettings
from tests.support.oidc_provider import OidcProvider
from tests.support.portal import Platform, assert_accessible
from tests.support.processes import free_port

CLIENT_ID = "buergerportal-soest"


@pytest.fixture(scope="module")
def identity_provider() -> Iterator[OidcProvider]:
    provider = OidcProvider(CLIENT_ID, "a-confidential-client-secret").start()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def provider_configured(identity_provider: OidcProvider) -> Iterator[None]:
    """The platform of this module signs in at the provider: only its issuer is named, the
    endpoints come from its discovery document."""
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("PORTAL_OIDC_ISSUER", identity_provider.issuer)
        environment.setenv("PORTAL_OIDC_CLIENT_ID", CLIENT_ID)
        environment.setenv("PORTAL_OIDC_CLIENT_SECRET", identity_provider.client_secret)
        yield


@pytest.fixture(scope="module")
def platform(provider_configured, platform) -> Platform:
    assert os.environ["PORTAL_OIDC_CLIENT_ID"] == CLIENT_ID
    return platform


@pytest.fixture(autouse=True)
def anna_logs_in(identity_provider: OidcProvider) -> Iterator[None]:
    identity_provider.person = {"sub": "anna-schmidt", "role": "citizen", "name": "Anna Schmidt"}
    identity_provider.tampering = {}
    identity_provider.refusal = None
    yield


def test_a_citizen_signs_in_at_the_identity_provider_and_lands_on_the_page_they_wanted(
    page: Page, platform: Platform, identity_provider: OidcProvider
):
    page.goto("/appointments/mine")

    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Termine")
    assert page.url == f"{platform.url}/appointments/mine"
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    expect(page.get_by_text("Sie haben keine Termine.")).to_be_visible()
    assert_accessible(page)
    [exchange] = identity_provider.token_requests[-1:]
    assert exchange["grant_type"] == "authorization_code"
    assert exchange["redirect_uri"] == f"{platform.url}/sign-in/callback"
    assert len(exchange["code_verifier"]) >= 43


def test_the_sign_in_link_in_the_header_goes_to_the_provider_and_back_to_the_start(
    page: Page, platform: Platform
):
    page.goto("/appointments?lang=en")
    page.get_by_role("link", name="Sign in").click()

    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.url == f"{platform.url}/"


def test_a_callback_with_a_wrong_state_is_refused_with_a_clear_page(
    page: Page, platform: Platform, identity_provider: OidcProvider
):
    # a sign-in under way (the browser's cookie holds it), the person still at the provider
    started = page.request.get("/sign-in?next=/appointments/mine", max_redirects=0)
    assert started.headers["location"].startswith(f"{identity_provider.issuer}/authorize?")

    answer = page.goto("/sign-in/callback?state=forged&code=stolen-code")

    assert answer.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("Das hat nicht geklappt")
    expect(page.get_by_text("nicht auf dieser Seite begonnen", exact=False)).to_be_visible()
    expect(page.get_by_role("link", name="Anmelden")).to_be_visible()
    assert_accessible(page)


def test_an_id_token_made_for_another_client_signs_nobody_in(
    page: Page, platform: Platform, identity_provider: OidcProvider
):
    identity_provider.tampering = {"aud": "another-portal"}

    page.goto("/sign-in")

    expect(page.get_by_role("heading", level=1)).to_have_text("Das hat nicht geklappt")
    expect(page.get_by_text("konnte nicht bestätigt werden", exact=False)).to_be_visible()
    expect(page.get_by_role("link", name="Anmelden")).to_be_visible()
    assert_accessible(page)


def test_a_person_who_cancels_at_the_provider_sees_a_clear_page_in_their_language(
    page: Page, platform: Platform, identity_provider: OidcProvider
):
    identity_provider.refusal = "access_denied"

    page.goto("/sign-in?lang=en")

    expect(page.get_by_role("heading", level=1)).to_have_text("That did not work")
    expect(page.get_by_text("Signing in was cancelled or refused.")).to_be_visible()
    assert_accessible(page)


def test_signing_out_ends_the_session(
    page: Page, platform: Platform, identity_provider: OidcProvider
):
    page.goto("/appointments/mine")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Termine")

    page.get_by_role("button", name="Abmelden").click()

    expect(page.get_by_role("status")).to_contain_text("Sie sind abgemeldet.")
    expect(page.get_by_role("link", name="Anmelden")).to_be_visible()
    # the provider lets nobody in now: only a live session could still open the page
    identity_provider.refusal = "login_required"
    page.goto("/appointments/mine")
    expect(page.get_by_role("heading", level=1)).to_have_text("Das hat nicht geklappt")
    expect(page.get_by_text("Meine Termine", exact=True)).to_have_count(0)


# the client against the provider double alone, without a browser


def client_of(provider: OidcProvider, **settings) -> Provider:
    named = {
        "url": "https://portal.example.org",
        "oidc_issuer": provider.issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": provider.client_secret,
    }
    portal = PortalSettings(**{**named, **settings})
    return Provider(portal, AuthSettings())


def at_the_provider(provider: OidcProvider, client: Provider) -> tuple[dict, dict[str, str]]:
    """A sign-in started, and the provider's answer at the callback."""
    pending = pending_sign_in("/documents")
    back = requests.get(client.authorization_url(pending), allow_redirects=False, timeout=5)
    return pending, dict(parse_qsl(urlsplit(back.headers["Location"]).query))


def test_the_code_is_exchanged_only_with_the_verifier_whose_challenge_went_to_the_provider(
    identity_provider: OidcProvider,
):
    client = client_of(identity_provider)
    pending, answer = at_the_provider(identity_provider, client)

    with pytest.raises(SignInDeclined):
        client.sign_in({**pending, "verifier": pending_sign_in("/")["verifier"]}, answer)


def test_an_id_token_with_another_nonce_signs_nobody_in(identity_provider: OidcProvider):
    client = client_of(identity_provider)
    pending, answer = at_the_provider(identity_provider, client)

    with pytest.raises(SignInTokenRefused):
        client.sign_in({**pending, "nonce": "from-another-sign-in"}, answer)


def test_a_token_without_a_role_or_with_a_subject_that_is_not_plain_is_refused(
    identity_provider: OidcProvider,
):
    client = client_of(identity_provider)
    for person in ({"sub": "anna", "role": None}, {"sub": "role:clerk", "role": "citizen"}):
        identity_provider.person = person
        pending, answer = at_the_provider(identity_provider, client)

        with pytest.raises(SignInTokenRefused):
            client.sign_in(pending, answer)


def test_a_clerk_signs_in_with_their_departments_as_the_gateway_reads_them(
    identity_provider: OidcProvider,
):
    identity_provider.person = {"sub": "carla", "role": "clerk", "departments": ["ordnungsamt"]}
    client = client_of(identity_provider)
    pending, answer = at_the_provider(identity_provider, client)

    caller = client.sign_in(pending, answer)

    assert (caller.subject, caller.role, caller.departments) == ("carla", "clerk", ("ordnungsamt",))


def test_a_provider_that_cannot_be_reached_is_unavailable_not_a_failure():
    nobody = f"http://127.0.0.1:{free_port()}/realms/citizens"
    client = Provider(PortalSettings(oidc_issuer=nobody, oidc_client_id=CLIENT_ID), AuthSettings())

    with pytest.raises(IdentityProviderUnavailable):
        client.authorization_url(pending_sign_in("/"))


def test_endpoints_named_in_the_settings_need_no_discovery(identity_provider: OidcProvider):
    found = identity_provider.discovery()
    client = client_of(
        identity_provider,
        oidc_issuer="https://login.example.org/no-discovery-here",
        oidc_authorization_endpoint=found["authorization_endpoint"],
        oidc_token_endpoint=found["token_endpoint"],
        oidc_jwks_url=found["jwks_uri"],
    )

    assert client.authorization_url(pending_sign_in("/")).startswith(
        found["authorization_endpoint"] + "?"
    )
    assert client.settings.redirect_uri == "https://portal.example.org/sign-in/callback"
