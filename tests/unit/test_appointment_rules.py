"""The booking rules without broker or database: opening hours, slots, window, statuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest

from services.appointments import lifecycle, statistics
from services.appointments.availability import local_days
from services.appointments.calendar_file import CalendarEntry, render
from services.appointments.catalogue import Capacity, Location, Offer, OpeningRule
from services.appointments.errors import (
    DateInPast,
    OutsideBookingWindow,
    SlotNotOffered,
)
from services.appointments.opening import local_minute, opening_periods, to_local
from services.appointments.slots import check_bookable, free_slots, minutes_taken, slot_starts
from services.common.transitions import IllegalTransition

EVERY_DAY = frozenset(range(1, 8))
ID_CARD = Offer("id-card", "Personalausweis", duration_units=2, documents=("Foto",))


def office(*rules: OpeningRule, **changes) -> Location:
    return Location(
        key="town-hall",
        name="Rathaus",
        address="Am Vreithof 8, 59494 Soest",
        opening_rules=rules or (OpeningRule(EVERY_DAY, 8 * 60, 12 * 60),),
        min_notice_minutes=0,
        max_days_ahead=3650,
        **changes,
    )


def last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=day.isoweekday() % 7)


def instant(minute: int, seconds: int = 0) -> datetime:
    """The clock pinned at an epoch minute, give or take some seconds."""
    return datetime.fromtimestamp(minute * 60 + seconds, UTC)


def local_starts(location: Location, day: date, **kwargs) -> list[str]:
    now = datetime.combine(day - timedelta(days=30), datetime.min.time(), UTC)
    slots = free_slots(location, ID_CARD, Capacity(2, 2), day, day, {}, now, **kwargs)
    return [to_local(start).strftime("%H:%M%z") for start, _free in slots]


SPRING_FORWARD = last_sunday(2027, 3)
FALL_BACK = last_sunday(2027, 10)


def test_the_clock_changes_fall_on_the_last_sundays_of_march_and_october():
    assert (date(2027, 3, 28), date(2027, 10, 31)) == (SPRING_FORWARD, FALL_BACK)
    before, after = local_minute(SPRING_FORWARD, 60), local_minute(SPRING_FORWARD, 4 * 60)
    assert after - before == 2 * 60  # 01:00 to 04:00 lasts two hours that night


@pytest.mark.parametrize("day", [SPRING_FORWARD, FALL_BACK], ids=["march", "october"])
def test_a_nine_oclock_slot_stays_at_nine_local_time_across_the_clock_change(day):
    location = office(OpeningRule(EVERY_DAY, 9 * 60, 10 * 60))
    # the Monday after is a public holiday both times (Easter Monday 2027, All Saints' Day)
    for offset in (-1, 0, 2):
        starts = local_starts(location, day + timedelta(days=offset))
        assert starts[0][:5] == "09:00"
        assert starts[-1][:5] == "09:30"  # a 30-minute service fits twice into the hour
    summer = "+0200"
    winter = "+0100"
    expected_before, expected_after = (winter, summer) if day.month == 3 else (summer, winter)
    assert local_starts(location, day - timedelta(days=1))[0].endswith(expected_before)
    assert local_starts(location, day)[0].endswith(expected_after)
    assert local_starts(location, day + timedelta(days=2))[0].endswith(expected_after)


def test_the_hour_that_does_not_exist_in_march_offers_no_slot():
    night = office(OpeningRule(EVERY_DAY, 0, 5 * 60))
    starts = local_starts(night, SPRING_FORWARD)
    assert not [start for start in starts if start.startswith("02:")]
    # 00:00 to 05:00 local lasts four hours that night; 30-minute services every 15 minutes
    assert len(starts) == 4 * 4 - 1


def test_the_hour_that_happens_twice_in_october_offers_its_slots_twice_with_distinct_offsets():
    night = office(OpeningRule(EVERY_DAY, 0, 5 * 60))
    starts = local_starts(night, FALL_BACK)
    assert "02:15+0200" in starts and "02:15+0100" in starts
    assert len(starts) == 6 * 4 - 1  # six real hours


def test_public_holidays_of_north_rhine_westphalia_close_the_office():
    location = office()
    assert opening_periods(location, date(2027, 5, 27)) == []  # Fronleichnam, NRW only
    assert opening_periods(location, date(2027, 11, 1)) == []  # Allerheiligen
    assert opening_periods(location, date(2027, 10, 31)) != []  # Reformationstag: not in NRW


def test_closed_dates_close_the_office_for_the_day():
    location = office(closed_dates=frozenset({date(2027, 12, 24)}))
    assert opening_periods(location, date(2027, 12, 24)) == []
    assert opening_periods(location, date(2027, 12, 23)) != []


def test_a_rule_every_other_week_counts_weeks_from_its_first_day():
    saturdays = OpeningRule(
        frozenset({6}), 9 * 60, 12 * 60, valid_from=date(2027, 1, 2), every_n_weeks=2
    )
    assert saturdays.applies_on(date(2027, 1, 2))
    assert not saturdays.applies_on(date(2027, 1, 9))
    assert saturdays.applies_on(date(2027, 1, 16))
    assert not saturdays.applies_on(date(2027, 1, 1))  # before valid_from, and a Friday


def test_a_rule_ends_after_its_last_valid_day():
    summer_hours = OpeningRule(EVERY_DAY, 8 * 60, 9 * 60, valid_until=date(2027, 8, 31))
    assert summer_hours.applies_on(date(2027, 8, 31))
    assert not summer_hours.applies_on(date(2027, 9, 1))


def test_a_service_must_end_before_the_office_closes():
    starts = local_starts(office(OpeningRule(EVERY_DAY, 8 * 60, 9 * 60)), date(2027, 6, 2))
    assert [start[:5] for start in starts] == ["08:00", "08:15", "08:30"]


def test_a_desk_with_a_booking_and_its_buffer_is_busy_for_the_next_slots():
    location = office(OpeningRule(EVERY_DAY, 8 * 60, 10 * 60), buffer_units=1)
    day = date(2027, 6, 2)
    booked = minutes_taken(location, ID_CARD, local_minute(day, 8 * 60))
    assert len(booked) == 3  # two slots and one buffer slot
    now = instant(local_minute(day, 0) - 60 * 24)
    slots = free_slots(location, ID_CARD, Capacity(1, 1), day, day, {0: booked}, now)
    assert to_local(slots[0][0]).strftime("%H:%M") == "08:45"


def test_free_counts_the_online_desks_left_and_ignores_desk_only_ones():
    location = office()
    day = date(2027, 6, 2)
    start = local_minute(day, 8 * 60)
    now = instant(start - 24 * 60)
    busy = {0: minutes_taken(location, ID_CARD, start)}
    slots = free_slots(location, ID_CARD, Capacity(desks=5, online_desks=2), day, day, busy, now)
    assert slots[0] == (start, 1)


def test_a_start_in_the_past_is_refused():
    location = office()
    ten = local_minute(date(2027, 6, 2), 10 * 60)
    with pytest.raises(DateInPast):
        check_bookable(location, ID_CARD, ten - 60, instant(ten))


def test_a_start_sooner_than_the_minimum_notice_or_beyond_the_window_is_refused():
    location = office(OpeningRule(EVERY_DAY, 8 * 60, 12 * 60))
    location = Location(**{**location.__dict__, "min_notice_minutes": 120, "max_days_ahead": 30})
    eight = local_minute(date(2027, 6, 2), 8 * 60)
    with pytest.raises(OutsideBookingWindow):
        check_bookable(location, ID_CARD, eight + 60, instant(eight))
    with pytest.raises(OutsideBookingWindow):
        check_bookable(location, ID_CARD, local_minute(date(2027, 7, 3), 9 * 60), instant(eight))
    check_bookable(location, ID_CARD, local_minute(date(2027, 7, 2), 9 * 60), instant(eight))


DAY = date(2027, 6, 2)
QUARTER_TO_TEN = local_minute(DAY, 9 * 60 + 45)


def offered(location: Location, now: datetime) -> list[int]:
    return [start for start, _ in free_slots(location, ID_CARD, Capacity(1, 1), DAY, DAY, {}, now)]


def test_a_slot_a_second_ahead_is_offered_and_bookable():
    now = instant(QUARTER_TO_TEN, -1)

    assert offered(office(), now)[0] == QUARTER_TO_TEN
    check_bookable(office(), ID_CARD, QUARTER_TO_TEN, now)


@pytest.mark.parametrize("seconds", [0, 1], ids=["on-the-boundary", "a-second-after"])
def test_a_slot_that_starts_now_or_has_just_begun_is_neither_offered_nor_bookable(seconds):
    now = instant(QUARTER_TO_TEN, seconds)

    assert offered(office(), now)[0] == QUARTER_TO_TEN + 15
    with pytest.raises(DateInPast):
        check_bookable(office(), ID_CARD, QUARTER_TO_TEN, now)


@pytest.mark.parametrize(
    ("seconds", "first"), [(-1, 0), (0, 0), (1, 15)], ids=["before", "on", "after"]
)
def test_the_minimum_notice_counts_to_the_second(seconds, first):
    location = Location(**{**office().__dict__, "min_notice_minutes": 60})
    now = instant(QUARTER_TO_TEN - 60, seconds)

    assert offered(location, now)[0] == QUARTER_TO_TEN + first
    assert _books(location, QUARTER_TO_TEN, now) is (first == 0)


@pytest.mark.parametrize("notice", [0, 30])
def test_what_is_offered_is_exactly_what_may_be_booked_at_every_moment(notice):
    location = Location(**{**office().__dict__, "min_notice_minutes": notice})
    for seconds in range(-90, 91, 15):
        now = instant(QUARTER_TO_TEN - notice, seconds)
        bookable = [
            start for start in slot_starts(location, ID_CARD, DAY) if _books(location, start, now)
        ]
        assert offered(location, now) == bookable, now


def _books(location: Location, start: int, now: datetime) -> bool:
    try:
        check_bookable(location, ID_CARD, start, now)
    except (DateInPast, OutsideBookingWindow):
        return False
    return True


def test_a_start_off_the_grid_or_outside_the_hours_is_refused():
    location = office()
    now = instant(local_minute(date(2027, 6, 1), 8 * 60))
    for off in (
        local_minute(date(2027, 6, 2), 8 * 60 + 5),
        local_minute(date(2027, 6, 2), 13 * 60),
    ):
        with pytest.raises(SlotNotOffered):
            check_bookable(location, ID_CARD, off, now)


def test_the_desk_may_serve_a_checked_in_citizen_but_not_check_in_a_cancelled_one():
    assert lifecycle.next_status("checked_in", "serve", lifecycle.DESK_ACTIONS) == "completed"
    with pytest.raises(IllegalTransition) as refused:
        lifecycle.next_status("cancelled", "check_in", lifecycle.DESK_ACTIONS)
    assert refused.value.details["allowed"] == []
    with pytest.raises(IllegalTransition) as refused:
        lifecycle.next_status("confirmed", "serve", lifecycle.DESK_ACTIONS)
    assert refused.value.details["allowed"] == ["check_in", "no_show"]


def test_figures_count_outcomes_no_show_rate_and_median_lead_time():
    start = datetime(2027, 6, 2, 9, tzinfo=UTC)

    def outcome(status: str, lead_hours: float) -> statistics.Outcome:
        return statistics.Outcome(
            "id-card", "town-hall", status, start, start - timedelta(hours=lead_hours)
        )

    rows = statistics.figures(
        [
            outcome("completed", 10),
            outcome("completed", 20),
            outcome("no_show", 30),
            outcome("cancelled", 1),
        ]
    )
    assert rows == [
        {
            "service": "id-card",
            "location": "town-hall",
            "booked": 3,
            "walk_ins": 0,
            "cancelled": 1,
            "served": 2,
            "no_show": 1,
            "no_show_rate": round(1 / 3, 4),
            "median_lead_time_hours": 20.0,
            "median_wait_minutes": None,
            "p90_wait_minutes": None,
        }
    ]


@pytest.mark.parametrize("day", [SPRING_FORWARD, FALL_BACK], ids=["march", "october"])
def test_the_calendar_file_shows_the_local_time_with_the_office_zone(day):
    start = local_minute(day, 9 * 60)
    text = render(
        CalendarEntry(
            "a1", start, start + 30, "Personalausweis", "Rathaus", "", 0, datetime.now(UTC)
        )
    )
    event = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    begins = event.decoded("dtstart")
    assert (begins.hour, begins.minute, str(begins.tzinfo)) == (9, 0, "Europe/Berlin")
    assert begins.astimezone(UTC) == datetime.fromtimestamp(start * 60, UTC)
    assert "BEGIN:VTIMEZONE" in text


def test_free_slots_are_grouped_by_local_day_and_split_where_the_clocks_change():
    night = office(OpeningRule(EVERY_DAY, 0, 5 * 60))
    now = instant(local_minute(FALL_BACK, 0) - 24 * 60)
    slots = free_slots(night, ID_CARD, Capacity(2, 2), FALL_BACK, FALL_BACK, {}, now)

    summer, winter = local_days(slots)

    assert (summer["date"], summer["utc_offset"]) == ("2027-10-31", "+02:00")
    assert (winter["date"], winter["utc_offset"]) == ("2027-10-31", "+01:00")
    assert summer["times"][0] == "00:00" and summer["times"][-1] == "02:45"
    assert winter["times"][0] == "02:00" and winter["times"][-1] == "04:30"
    assert set(summer["free"]) == set(winter["free"]) == {2}
