"""Who may open a location's call display: the screen in the waiting hall, or the office.

An operator gives each location's display a key of its own (`DESK.display_keys`,
`location=key` pairs, from DESK_DISPLAY_KEYS). The hall's screen opens
`/staff/desk/display/<location>?key=<key>` once; the page keeps the key in a cookie of the
display's own (for a year, never sent to scripts) and goes on at the address without it,
so the key is not on the screen. The display needs no clerk signed in, and a new key
shuts out a screen that should no longer show the calls. A signed-in clerk or
administrator may open any display without a key.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from functools import cache

from werkzeug.wrappers import Request, Response

from services.common.settings import from_section
from services.portal.settings import PortalSettings

COOKIE = "desk_display"
KEPT_SECONDS = 365 * 24 * 3600


@dataclass(frozen=True)
class DeskSettings:
    # `location=key` pairs separated by commas; a location without a key has no display
    # that works without a clerk's session
    display_keys: str = ""

    @classmethod
    def from_config(cls) -> DeskSettings:
        return from_section(cls, "DESK")

    def key_of(self, location: str) -> str | None:
        return _keys(self.display_keys).get(location)


@cache
def _keys(configured: str) -> dict[str, str]:
    pairs = (pair.strip().partition("=") for pair in configured.split(",") if pair.strip())
    return {location.strip(): key.strip() for location, _, key in pairs if key.strip()}


def key_matches(location: str, offered: str | None) -> bool:
    expected = DeskSettings.from_config().key_of(location)
    return bool(expected and offered) and hmac.compare_digest(
        expected.encode(), (offered or "").encode()
    )


def shows(request: Request, location: str) -> bool:
    """Whether the request comes from the display of `location` (its cookie holds the key)."""
    kept = request.cookies.get(COOKIE, "")
    shown_location, _, key = kept.partition(":")
    return shown_location == location and key_matches(location, key)


def kept_for(location: str, key: str) -> Response:
    """On to the display's address without the key, the key kept in the display's cookie."""
    response = Response(status=303, headers={"Location": display_path(location)})
    response.set_cookie(
        COOKIE,
        f"{location}:{key}",
        max_age=KEPT_SECONDS,
        httponly=True,
        samesite="Strict",
        secure=PortalSettings.from_config().secure_cookies,
        path="/staff/desk",
    )
    return response


def display_path(location: str) -> str:
    return f"/staff/desk/display/{location}"
