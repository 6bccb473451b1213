"""The inbox: a person's own items, a clerk's role and department queues, read per reader."""

from __future__ import annotations

import pytest

from services.common.keyset import InvalidCursor
from services.common.loading import load
from services.notifications.errors import InboxItemNotFound
from services.notifications.schemas import InboxQuery
from services.notifications.use_cases.personal import (
    CountUnread,
    MarkAllRead,
    MarkRead,
    ReadInbox,
    count_unread,
    mark_all_read,
    mark_read,
    read_inbox,
)
from services.notifications.use_cases.taking import TakeEvent, take_event
from tests.unit.notifications.scene import (
    ADA,
    ANNA,
    BERT,
    KLARA,
    MOMENT,
    OTTO,
    Kicks,
    application_submitted,
    appointment_held,
    checked_in,
    clock,
    unit_of_work,
)


@pytest.fixture
def uow(fake_uow):
    return unit_of_work(fake_uow, handler="on_any_event")


def given(uow, intake, *events, source="appointments", minutes_apart=1):
    """The events taken one after another, a minute apart."""
    moment = clock()
    for taken in events:
        take_event(TakeEvent(source, taken), uow, moment, intake, Kicks())
        moment.advance(minutes=minutes_apart)


def inbox_of(uow, caller, **query):
    return read_inbox(ReadInbox(caller, load(InboxQuery, query)), uow)


def test_a_citizen_sees_their_own_message_unread(uow, intake):
    given(uow, intake, appointment_held())

    inbox = inbox_of(uow, ANNA)

    [item] = inbox["items"]
    assert (item["title"], item["audience"]) == ("Termin Reisepass", "personal")
    assert item["read_at"] is None
    assert item["event_type"] == "appointments.appointment_held"
    assert (inbox["unread"], inbox["next_cursor"]) == (1, None)


def test_another_citizen_does_not_see_it(uow, intake):
    given(uow, intake, appointment_held())

    assert inbox_of(uow, BERT) == {"items": [], "unread": 0, "next_cursor": None}


def test_a_citizen_does_not_see_the_clerks_queue(uow, intake):
    given(uow, intake, checked_in())

    assert inbox_of(uow, ANNA)["items"] == []


def test_every_clerk_and_admin_sees_the_role_queue_as_shared(uow, intake):
    given(uow, intake, checked_in())

    for caller in (KLARA, OTTO):
        [item] = inbox_of(uow, caller)["items"]
        assert item["audience"] == "role"
    # the admins' own queue is another: a clerk's item is not in it
    assert inbox_of(uow, ADA)["items"] == []


def test_a_departments_item_is_seen_by_its_clerks_only(uow, intake):
    given(uow, intake, application_submitted(department="roads"), source="applications")

    assert [item["title"] for item in inbox_of(uow, KLARA)["items"]] == [
        "Neuer Antrag 2026-BPA-000123"
    ]
    assert inbox_of(uow, OTTO)["items"] == []


def test_the_inbox_lists_the_newest_first(uow, intake):
    given(uow, intake, checked_in(service="passport"), checked_in(service="id_card"))

    titles = [item["title"] for item in inbox_of(uow, KLARA)["items"]]

    assert titles == ["Angekommen: id_card", "Angekommen: passport"]


def test_the_next_page_goes_on_after_the_last_item_of_the_page_before(uow, intake):
    services = ("a", "b", "c", "d", "e")
    given(uow, intake, *(checked_in(service=name) for name in services))

    first = inbox_of(uow, KLARA, limit=2)
    second = inbox_of(uow, KLARA, limit=2, before=first["next_cursor"])
    third = inbox_of(uow, KLARA, limit=2, before=second["next_cursor"])

    pages = [[item["title"][-1] for item in page["items"]] for page in (first, second, third)]
    assert pages == [["e", "d"], ["c", "b"], ["a"]]
    assert third["next_cursor"] is None


def test_items_of_the_same_moment_are_neither_skipped_nor_repeated_across_pages(uow, intake):
    given(uow, intake, *(checked_in() for _ in range(5)), minutes_apart=0)

    seen, cursor = [], None
    while True:
        page = inbox_of(uow, KLARA, limit=2, before=cursor)
        seen += [item["item_id"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break

    assert len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize("cursor", ["an-item-id", "W10=", "WyJhIl0="])
def test_a_cursor_the_inbox_did_not_give_is_refused(uow, intake, cursor):
    given(uow, intake, checked_in())

    with pytest.raises(InvalidCursor) as refused:
        inbox_of(uow, KLARA, before=cursor)

    assert refused.value.code == "invalid_cursor" and refused.value.http_status == 400


def test_marking_an_item_read_keeps_it_read_for_that_reader_only(uow, intake):
    given(uow, intake, checked_in())
    [item] = inbox_of(uow, KLARA)["items"]

    answer = mark_read(MarkRead(KLARA, item["item_id"]), uow, clock())

    assert answer["read_at"] == MOMENT.isoformat()
    assert count_unread(CountUnread(KLARA), uow) == {"unread": 0}
    assert count_unread(CountUnread(OTTO), uow) == {"unread": 1}


def test_marking_an_item_read_again_keeps_the_first_time(uow, intake):
    given(uow, intake, appointment_held())
    [item] = inbox_of(uow, ANNA)["items"]
    mark_read(MarkRead(ANNA, item["item_id"]), uow, clock())
    later = clock()
    later.advance(hours=2)

    again = mark_read(MarkRead(ANNA, item["item_id"]), uow, later)

    assert again["read_at"] == MOMENT.isoformat()


def test_an_item_of_someone_elses_inbox_cannot_be_marked(uow, intake):
    given(uow, intake, appointment_held())
    [item] = inbox_of(uow, ANNA)["items"]

    with pytest.raises(InboxItemNotFound) as refused:
        mark_read(MarkRead(BERT, item["item_id"]), uow, clock())

    assert refused.value.code == "inbox_item_not_found"
    assert count_unread(CountUnread(ANNA), uow) == {"unread": 1}


def test_unread_only_leaves_out_what_was_read(uow, intake):
    given(uow, intake, checked_in(service="a"), checked_in(service="b"))
    newest = inbox_of(uow, KLARA)["items"][0]
    mark_read(MarkRead(KLARA, newest["item_id"]), uow, clock())

    unread = inbox_of(uow, KLARA, unread_only=True)

    assert [item["title"] for item in unread["items"]] == ["Angekommen: a"]
    assert unread["unread"] == 1


def test_marking_all_read_marks_the_callers_unread_items_and_then_nothing_more(uow, intake):
    given(uow, intake, checked_in(), checked_in())
    given(uow, intake, application_submitted(department="roads"), source="applications")

    first = mark_all_read(MarkAllRead(KLARA), uow, clock())
    second = mark_all_read(MarkAllRead(KLARA), uow, clock())

    assert (first, second) == ({"marked": 3}, {"marked": 0})
    assert count_unread(CountUnread(OTTO), uow) == {"unread": 2}
