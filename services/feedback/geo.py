"""Places in town: inside the boundary or not, how far apart, and blurred for the public.

Distances are on a sphere; at the size of a town that is accurate to well under a metre.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_000.0
METERS_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_M / 180


@dataclass(frozen=True)
class Box:
    """A map's bounding box, in degrees."""

    south: float
    west: float
    north: float
    east: float


def inside(polygon: Sequence[tuple[float, float]], latitude: float, longitude: float) -> bool:
    """Whether the point lies inside the polygon (ray casting; a town is no antimeridian)."""
    result = False
    previous_lat, previous_lon = polygon[-1]
    for lat, lon in polygon:
        if (lat > latitude) != (previous_lat > latitude):
            crossing = lon + (latitude - lat) * (previous_lon - lon) / (previous_lat - lat)
            if longitude < crossing:
                result = not result
        previous_lat, previous_lon = lat, lon
    return result


def bounds(polygon: Sequence[tuple[float, float]]) -> Box:
    """The smallest box that holds the polygon: where a map of the town opens."""
    latitudes = [lat for lat, _ in polygon]
    longitudes = [lon for _, lon in polygon]
    return Box(min(latitudes), min(longitudes), max(latitudes), max(longitudes))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def around(latitude: float, longitude: float, meters: float) -> Box:
    """The box that holds every point within `meters` of the given one."""
    d_lat = meters / METERS_PER_DEGREE_LATITUDE
    d_lon = meters / (METERS_PER_DEGREE_LATITUDE * math.cos(math.radians(latitude)))
    return Box(latitude - d_lat, longitude - d_lon, latitude + d_lat, longitude + d_lon)


def blurred(latitude: float, longitude: float, meters: int) -> tuple[float, float]:
    """The point snapped to the centre of its grid cell `meters` wide: everyone in the cell
    shows at the same place, so a report near a home does not point at the door."""
    if meters <= 0:
        return latitude, longitude
    step_lat = meters / METERS_PER_DEGREE_LATITUDE
    # one longitude step for the whole town, taken at the cell row's latitude
    row = math.floor(latitude / step_lat)
    centre_lat = (row + 0.5) * step_lat
    step_lon = meters / (METERS_PER_DEGREE_LATITUDE * math.cos(math.radians(centre_lat)))
    centre_lon = (math.floor(longitude / step_lon) + 0.5) * step_lon
    return round(centre_lat, 6), round(centre_lon, 6)
