"""The `FEEDBACK` configuration section: the town's rules for ratings, reports and ideas."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.settings import from_section


@dataclass(frozen=True)
class FeedbackSettings:
    # the town's boundary and categories; empty: the built-in town.yaml (Soest)
    town_file: str = ""
    # where the e-mailed rating links lead: the citizens' portal
    portal_url: str = "http://127.0.0.1:8000"
    # a rating invitation's link works this long
    rating_days: int = 30
    # the public sees a report's location snapped to a grid this fine; 0: exact
    location_blur_meters: int = 50
    # open reports of the same category this close are offered for "me too"
    nearby_meters: int = 100
    max_photos: int = 5
    # an author may reopen a closed report this long after it was closed
    reopen_days: int = 28
    # supports a citizen may give within a period
    supports_per_period: int = 10
    support_period_days: int = 30
    # flags from different citizens that hide an item or a comment until a moderator decides
    flags_to_hide: int = 3
    # reports, ideas and comments a citizen may submit per hour (floods, trolls)
    submissions_per_hour: int = 10
    # the public map answers at most this many reports per query
    max_map_results: int = 500

    @classmethod
    def from_config(cls) -> FeedbackSettings:
        return from_section(cls, "FEEDBACK")
