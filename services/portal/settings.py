"""The portal's settings (`PORTAL` in the configuration)."""

from __future__ import annotations

from dataclasses import dataclass

from nameko.exceptions import ConfigurationError

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
    # the development key may stand in for a missing one: laptops and tests only
    development_key: bool = True

    @classmethod
    def from_config(cls) -> PortalSettings:
        settings = from_section(cls, "PORTAL")
        if settings.session_key == DEVELOPMENT_SESSION_KEY and not settings.development_key:
            raise ConfigurationError("PORTAL.session_key: set the session cookie's own key")
        return settings
