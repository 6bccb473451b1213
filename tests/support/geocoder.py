"""A test double of a Nominatim search API (`/search?q=...&format=jsonv2`): a few known
addresses, each found only when the viewbox asked for holds it (with bounded=1), as
Nominatim does. Every request is recorded; `delay` makes it slower than a caller waits."""

from __future__ import annotations

import json
import time

from tests.support.loopback_http import Answer, LoopbackServer, Request


class NominatimDouble(LoopbackServer):
    def __init__(self, addresses: dict[str, tuple[float, float]]) -> None:
        super().__init__(self._search)
        self.addresses = {name.casefold(): place for name, place in addresses.items()}
        self.delay = 0.0  # seconds before each answer

    def searches(self) -> list[Request]:
        return [r for r in self.requests if r.path == "/search"]

    def _search(self, request: Request) -> Answer:
        time.sleep(self.delay)
        if request.path != "/search" or request.query.get("format") != "jsonv2":
            return Answer(400, "text/plain", b"format=jsonv2 on /search only")
        place = self.addresses.get(request.query.get("q", "").strip().casefold())
        found = []
        if place is not None and _inside(place, request.query):
            latitude, longitude = place
            found.append(
                {
                    "lat": str(latitude),
                    "lon": str(longitude),
                    "display_name": request.query["q"],
                    "category": "place",
                    "type": "house",
                }
            )
        return Answer(200, "application/json", json.dumps(found).encode())


def _inside(place: tuple[float, float], query: dict[str, str]) -> bool:
    """Whether a bounded search's viewbox (x1,y1,x2,y2: longitudes and latitudes) holds it."""
    if query.get("bounded") != "1" or "viewbox" not in query:
        return True
    x1, y1, x2, y2 = (float(edge) for edge in query["viewbox"].split(","))
    latitude, longitude = place
    return min(y1, y2) <= latitude <= max(y1, y2) and min(x1, x2) <= longitude <= max(x1, x2)
