"""Which of a location's queue changes a desk's live stream passes on: a clerk hears those of
the desks of their departments (and of a location filed under none), an administrator and
the hall's display all of their location's."""

from __future__ import annotations

import pytest

from services.portal.staff.desk_live import DISPLAY, DeskListener


def change(location: str = "rathaus", department: str | None = "buergerbuero") -> dict:
    return {
        "location": location,
        "ticket": 7,
        "status": "called",
        "desk": 2,
        "department": department,
    }


def listener(
    role: str, departments: tuple[str, ...] = (), location: str = "rathaus"
) -> DeskListener:
    return DeskListener("someone", role, departments, 10, location=location)


@pytest.mark.parametrize(
    ("role", "departments"),
    [
        ("clerk", ("buergerbuero",)),
        ("clerk", ("roads", "buergerbuero")),
        ("admin", ()),
        (DISPLAY, ()),
    ],
)
def test_the_desks_department_an_administrator_and_the_display_hear_a_change(role, departments):
    assert listener(role, departments).wants(change())


@pytest.mark.parametrize("departments", [("roads",), ()])
def test_a_clerk_of_another_department_hears_nothing_of_the_desks(departments):
    assert not listener("clerk", departments).wants(change())


def test_a_location_filed_under_no_department_is_heard_by_every_clerk():
    assert listener("clerk", ("roads",)).wants(change(department=None))


def test_a_stream_hears_its_own_location_only():
    assert not listener("admin").wants(change(location="soest-nord"))
    assert not listener(DISPLAY, location="soest-nord").wants(change())
