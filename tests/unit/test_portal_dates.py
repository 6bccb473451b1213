"""The portal shows a moment's calendar day as the town hall counts it, not as UTC does."""

from datetime import UTC, date, datetime

from services.common.local_time import office_today
from services.portal.rendering import _date


def test_a_moment_stored_in_utc_just_before_midnight_is_already_the_next_day_in_the_town_hall():
    assert _date("2026-12-03T23:30:00+00:00") == date(2026, 12, 4)
    assert _date(datetime(2026, 6, 30, 22, 15, tzinfo=UTC)) == date(2026, 7, 1)


def test_a_plain_date_and_a_moment_without_a_zone_keep_their_day():
    assert _date("2026-12-03") == date(2026, 12, 3)
    assert _date("2026-12-03T23:30:00") == date(2026, 12, 3)
    assert _date(date(2026, 12, 3)) == date(2026, 12, 3)


def test_the_town_halls_today_begins_at_its_own_midnight():
    assert office_today(datetime(2026, 12, 4, 22, 59, tzinfo=UTC)) == date(2026, 12, 4)
    assert office_today(datetime(2026, 12, 4, 23, 0, tzinfo=UTC)) == date(2026, 12, 5)
    assert office_today(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == date(2026, 7, 1)
    assert office_today(datetime(2026, 7, 1, 22, 0, tzinfo=UTC)) == date(2026, 7, 2)
