"""The portal as an OpenID Connect client: the authorization code flow with PKCE (S256).

Signing in starts with a fresh state, nonce and PKCE verifier, kept in the session cookie
(nothing on the server), and sends the browser to the provider. It comes back with a code
and the state; the code and the verifier buy the tokens at the token endpoint, and the ID
token is verified exactly as the gateway verifies a bearer token (services/gateway/auth.py:
issuer, audience, the provider's keys, role and departments, a plain subject), with the
portal's client id as its audience and the nonce it was sent with. Each refusal is a
ServiceError with a code of its own, so the visitor gets a clear page, never a 500.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from nameko.extensions import DependencyProvider

from services.common.errors import ServiceError, ServiceUnavailable
from services.common.identity import Caller
from services.common.logging import get_logger
from services.gateway.auth import TokenVerifier
from services.gateway.errors import InvalidToken
from services.gateway.settings import AuthSettings
from services.portal.settings import PortalSettings

log = get_logger(__name__)

DISCOVERY = "/.well-known/openid-configuration"
TIMEOUT = 10


class SignInStateMismatch(ServiceError):
    code = "sign_in_state_mismatch"
    http_status = 400


class SignInDeclined(ServiceError):
    code = "sign_in_declined"
    http_status = 400


class SignInTokenRefused(ServiceError):
    code = "sign_in_token_refused"
    http_status = 401


class IdentityProviderUnavailable(ServiceError):
    code = "identity_provider_unavailable"
    http_status = 503


@dataclass(frozen=True)
class Endpoints:
    authorization: str
    token: str
    jwks: str


def pending_sign_in(next_path: str) -> dict[str, str]:
    """What the callback must find again: kept in the session cookie while the person signs in."""
    return {
        "state": secrets.token_urlsafe(24),
        "nonce": secrets.token_urlsafe(24),
        "verifier": secrets.token_urlsafe(48),  # 64 characters: RFC 7636 asks 43 to 128
        "next": next_path,
    }


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Provider:
    """One identity provider, its endpoints found once and its keys cached by the verifier."""

    def __init__(self, settings: PortalSettings, auth: AuthSettings) -> None:
        self.settings = settings
        self.auth = auth
        self._endpoints: Endpoints | None = None
        self._verifier: TokenVerifier | None = None
        self._lock = threading.Lock()

    def authorization_url(self, pending: dict[str, str]) -> str:
        query = {
            "response_type": "code",
            "client_id": self.settings.oidc_client_id,
            "redirect_uri": self.settings.redirect_uri,
            "scope": self.settings.oidc_scopes,
            "state": pending["state"],
            "nonce": pending["nonce"],
            "code_challenge": code_challenge(pending["verifier"]),
            "code_challenge_method": "S256",
        }
        authorization = self.endpoints().authorization
        return f"{authorization}{'&' if '?' in authorization else '?'}{urlencode(query)}"

    def sign_in(self, pending: dict[str, str] | None, answer: dict[str, str]) -> Caller:
        """Who the provider's answer at the callback signs in; refuse anything else."""
        if not pending or not hmac.compare_digest(
            answer.get("state", "").encode(), pending["state"].encode()
        ):
            raise SignInStateMismatch("The sign-in did not start here, or was used already.")
        if answer.get("error") or not answer.get("code"):
            raise SignInDeclined(f"The identity provider answered {answer.get('error')!r}.")
        tokens = self._exchange(answer["code"], pending["verifier"])
        return self._verified(tokens.get("id_token"), pending["nonce"])

    def endpoints(self) -> Endpoints:
        with self._lock:
            if self._endpoints is None:
                self._endpoints = self._discover()
            return self._endpoints

    def _discover(self) -> Endpoints:
        named = (
            self.settings.oidc_authorization_endpoint,
            self.settings.oidc_token_endpoint,
            self.settings.oidc_jwks_url or self.auth.jwks_url or "",
        )
        found: dict[str, Any] = {}
        if not all(named):
            found = self._fetch_json(self.settings.oidc_issuer.rstrip("/") + DISCOVERY)
        endpoints = Endpoints(
            authorization=named[0] or str(found.get("authorization_endpoint") or ""),
            token=named[1] or str(found.get("token_endpoint") or ""),
            jwks=named[2] or str(found.get("jwks_uri") or ""),
        )
        if not (endpoints.authorization and endpoints.token and endpoints.jwks):
            raise IdentityProviderUnavailable("The identity provider names no endpoints.")
        return endpoints

    def _exchange(self, code: str, verifier: str) -> dict[str, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.settings.redirect_uri,
            "client_id": self.settings.oidc_client_id,
            "code_verifier": verifier,
        }
        secret = self.settings.oidc_client_secret
        auth = (self.settings.oidc_client_id, secret) if secret else None
        try:
            answer = requests.post(self.endpoints().token, data=form, auth=auth, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise IdentityProviderUnavailable(f"The token endpoint failed: {error}") from None
        if answer.status_code != 200:
            log.info("sign_in_code_refused", status=answer.status_code)
            raise SignInDeclined("The identity provider refused the code.")
        return _json_object(answer)

    def _verified(self, id_token: Any, nonce: str) -> Caller:
        if not isinstance(id_token, str):
            raise SignInTokenRefused("The identity provider sent no ID token.")
        try:
            caller = self._token_verifier().verify(id_token)
        except InvalidToken as error:
            raise SignInTokenRefused(error.message) from None
        except ServiceUnavailable:
            raise IdentityProviderUnavailable("The provider's keys could not be fetched.") from None
        # verified above: only the nonce is left to read
        sent = jwt.decode(id_token, options={"verify_signature": False}).get("nonce")
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
            raise SignInTokenRefused("The ID token was not made for this sign-in.")
        return caller

    def _token_verifier(self) -> TokenVerifier:
        if self._verifier is None:
            self._verifier = TokenVerifier(
                AuthSettings(
                    issuer=self.settings.oidc_issuer,
                    # an ID token is made for the client that asked for it
                    audience=self.settings.oidc_client_id,
                    jwks_url=self.endpoints().jwks,
                    role_claim=self.auth.role_claim,
                    algorithms=self.auth.algorithms,
                    leeway=self.auth.leeway,
                )
            )
        return self._verifier

    def _fetch_json(self, url: str) -> dict[str, Any]:
        try:
            answer = requests.get(url, timeout=TIMEOUT)
            answer.raise_for_status()
        except requests.RequestException as error:
            raise IdentityProviderUnavailable(f"{url} failed: {error}") from None
        return _json_object(answer)


def _json_object(answer: requests.Response) -> dict[str, Any]:
    try:
        found = answer.json()
    except ValueError:
        found = None
    if not isinstance(found, dict):
        raise IdentityProviderUnavailable("The identity provider did not answer JSON.")
    return found


class IdentityProvider(DependencyProvider):
    """The configured provider (one per container, sharing what it found), or None."""

    def setup(self) -> None:
        settings = PortalSettings.from_config()
        self.provider = (
            Provider(settings, AuthSettings.from_config()) if settings.provider_configured else None
        )

    def get_dependency(self, worker_ctx) -> Provider | None:
        return self.provider
