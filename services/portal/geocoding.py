"""A report's place found from its address, by a Nominatim-compatible search API
(`PORTAL.geocoder_url`), looked for only inside the town's box.

The search is asked once per sent form, at most `geocoder_timeout` seconds: a search that
does not answer in time, or answers nonsense, is a message at the place field, never a
failed page. Nominatim's usage policy asks every application to say who it is: the
User-Agent names the portal and where it is reached.
"""

from __future__ import annotations

from typing import Any

import requests

from services.common.logging import get_logger
from services.portal.settings import PortalSettings

log = get_logger(__name__)


class AddressNotFound(Exception):
    """The search knows no such address inside the town."""


class GeocoderUnavailable(Exception):
    """The search did not answer in time, or not as Nominatim does."""


def locate(settings: PortalSettings, address: str, area: dict[str, Any]) -> tuple[float, float]:
    """Latitude and longitude of the address, searched inside `area` (the town's box)."""
    query = {
        "q": address,
        "format": "jsonv2",
        "limit": 1,
        "countrycodes": "de",
        # Nominatim's viewbox is west,south,east,north (x1,y1,x2,y2); bounded: only inside
        "viewbox": f"{area['west']},{area['south']},{area['east']},{area['north']}",
        "bounded": 1,
    }
    headers = {"User-Agent": f"Rathaus-Online-Portal (+{settings.url})"}
    url = f"{settings.geocoder_url.rstrip('/')}/search"
    try:
        answer = requests.get(url, params=query, headers=headers, timeout=settings.geocoder_timeout)
        answer.raise_for_status()
        found = answer.json()
    except (requests.RequestException, ValueError) as error:
        log.warning("geocoder_unavailable", error=repr(error))
        raise GeocoderUnavailable(str(error)) from None
    if not found:
        raise AddressNotFound(address)
    try:
        return float(found[0]["lat"]), float(found[0]["lon"])
    except (TypeError, KeyError, IndexError, ValueError) as error:
        log.warning("geocoder_unreadable", error=repr(error))
        raise GeocoderUnavailable("unreadable answer") from None
