"""A test double of the identity provider a citizen signs in with (BundID, Servicekonto.NRW):
the OpenID Connect authorization code flow with PKCE, over HTTP on loopback.

`/authorize` sends the browser straight back with a code, as if the person had logged in;
`/token` answers the code once, only to the verifier whose S256 challenge came with it and
only to the client with its secret, with an ID token signed by the provider's key (served
at `/jwks.json`, named by the discovery document).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.gateway.identity_provider import IdentityProvider

REALM = "/realms/citizens"


class OidcProvider:
    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.keys = IdentityProvider()  # its key and JWKS; its own server is never started
        # who logs in next, as the claims of their ID token
        self.person: dict[str, Any] = {"sub": "anna-schmidt", "role": "citizen"}
        # claims to change in the next ID tokens (a wrong audience, say)
        self.tampering: dict[str, Any] = {}
        self.refusal: str | None = None  # an OAuth error /authorize answers instead
        self.codes: dict[str, dict[str, str]] = {}
        self.token_requests: list[dict[str, str]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def issuer(self) -> str:
        return self.url + REALM

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks.json",
            "code_challenge_methods_supported": ["S256"],
        }

    def authorize(self, query: dict[str, str]) -> str:
        """Where the browser goes next: back to the portal, with a code or an error."""
        back = {"state": query.get("state", "")}
        pkce = query.get("code_challenge_method") == "S256"
        if self.refusal:
            back["error"] = self.refusal
        elif query.get("client_id") == self.client_id and pkce:
            code = secrets.token_urlsafe(16)
            self.codes[code] = query
            back["code"] = code
        else:
            back["error"] = "invalid_request"
        return f"{query['redirect_uri']}?{urlencode(back)}"

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        asked = self.codes.pop(form.get("code", ""), None)
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if authorization != f"Basic {basic}":
            return 401, {"error": "invalid_client"}
        if asked is None or asked["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        if challenge_of(form.get("code_verifier", "")) != asked["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        claims = self.keys.claims(
            iss=self.issuer, aud=self.client_id, nonce=asked.get("nonce"), **self.person
        )
        id_token = self.keys.sign({**claims, **self.tampering})
        return 200, {"access_token": id_token, "id_token": id_token, "token_type": "Bearer"}

    def start(self) -> OidcProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                if path == REALM + "/.well-known/openid-configuration":
                    self._json(200, provider.discovery())
                elif path == REALM + "/jwks.json":
                    self._json(200, provider.keys.jwks())
                elif path == REALM + "/authorize":
                    self.send_response(302)
                    self.send_header("Location", provider.authorize(_single(query)))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = _single(self.rfile.read(length).decode())
                if urlsplit(self.path).path != REALM + "/token":
                    self._json(404, {"error": "not_found"})
                    return
                self._json(*provider.token(form, self.headers.get("Authorization", "")))

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        return Handler


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _single(query: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(query).items()}
