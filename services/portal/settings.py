"""The portal's settings (`PORTAL` in the configuration)."""

from __future__ import annotations

from dataclasses import dataclass

from nameko.exceptions import ConfigurationError
from nameko.extensions import DependencyProvider

from services.common.settings import from_section

# known to everyone who reads this file: laptops and tests only (production names its own)
DEVELOPMENT_SESSION_KEY = "cmF0aGF1cy1wb3J0YWwtZGV2ZWxvcG1lbnQta2V5ISE="


@dataclass(frozen=True)
class PortalSettings:
    # encrypts and signs the session cookie: base64 of 32 random bytes
    session_key: str = DEVELOPMENT_SESSION_KEY
    # a session nobody used for this long has ended
    session_idle_minutes: int = 30
    # send the cookie over https only (behind TLS: always)
    secure_cookies: bool = False
    # map tiles for the feedback map ({z}/{x}/{y}); empty: the pages work without a map
    tile_url: str = ""
    # who the tiles are from, shown on the map as the tile server's terms ask
    tile_attribution: str = ""
    # a Nominatim-compatible search API ({geocoder_url}/search) that finds a report's place
    # from its address; empty: a report's place is given as numbers or on the map
    geocoder_url: str = ""
    # seconds the address search may take before the form says it is not answering
    geocoder_timeout: float = 3.0
    # the development key may stand in for a missing one: laptops and tests only
    development_key: bool = True
    # where the public reaches the portal (PORTAL_URL): the identity provider returns here
    url: str = "http://127.0.0.1:8000"
    # the OpenID Connect provider people sign in with (BundID, Servicekonto.NRW); without a
    # client id there is none, and only the development form signs in (AUTH.dev_login)
    oidc_issuer: str = ""
    # empty: read from {oidc_issuer}/.well-known/openid-configuration
    oidc_authorization_endpoint: str = ""
    oidc_token_endpoint: str = ""
    oidc_jwks_url: str = ""
    oidc_client_id: str = ""
    # a confidential client's secret; empty: a public client, PKCE alone
    oidc_client_secret: str = ""
    # empty: {url}/sign-in/callback
    oidc_redirect_uri: str = ""
    oidc_scopes: str = "openid profile"

    @property
    def provider_configured(self) -> bool:
        return bool(self.oidc_client_id)

    @property
    def map_configured(self) -> bool:
        return bool(self.tile_url)

    @property
    def geocoder_configured(self) -> bool:
        return bool(self.geocoder_url)

    @property
    def redirect_uri(self) -> str:
        return self.oidc_redirect_uri or f"{self.url.rstrip('/')}/sign-in/callback"

    @classmethod
    def from_config(cls) -> PortalSettings:
        settings = from_section(cls, "PORTAL")
        if settings.session_key == DEVELOPMENT_SESSION_KEY and not settings.development_key:
            raise ConfigurationError("PORTAL.session_key: set the session cookie's own key")
        if settings.provider_configured and not settings.oidc_issuer:
            # the ID token's issuer is checked whether or not the endpoints are named
            raise ConfigurationError("PORTAL.oidc_issuer: name the identity provider's issuer")
        return settings


class PortalConfig(DependencyProvider):
    """The portal's settings, read once per container, for pages that show what they name."""

    def setup(self) -> None:
        self.settings = PortalSettings.from_config()

    def get_dependency(self, worker_ctx) -> PortalSettings:
        return self.settings
