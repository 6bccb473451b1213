"""What the notifications service did about a case goes into its history: the citizen reads
each message folded into the step it told of, as the channel that told them or failed to;
a message about anything else is none of this service's business."""

from __future__ import annotations

import uuid

import pytest

from services.applications import notices, use_cases
from services.applications.models import HistoryRow
from services.common.events import Event
from tests.unit.applications.office import ANNA, CLARA, Desk, desk_of


@pytest.fixture
def desk(fake_uow) -> Desk:
    return desk_of(fake_uow, handler="on_notification_sent")


@pytest.fixture
def case_id(desk) -> str:
    return desk.submit()["case_id"]


def message(
    case_id: str,
    event_type: str = "applications.application_submitted",
    channel: str = "email",
    **facts,
) -> dict:
    """A notification's payload: which message, answering which event, on which channel."""
    return {
        "message_id": str(uuid.uuid4()),
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "channel": channel,
        "template": "status",
        "attempts": 1,
        "facts": {"case_id": case_id, **facts},
    }


def note(desk: Desk, payload: dict, sent: bool = True) -> Event:
    event = Event(type="notification_sent" if sent else "notification_failed", payload=payload)
    action = notices.SENT if sent else notices.FAILED
    use_cases.note_notifications(use_cases.NoteNotifications([event], action), desk.uow, desk.clock)
    return event


def entries(desk: Desk) -> int:
    with desk.uow.transaction() as tx:
        return len(tx.session.query(HistoryRow).all())


def test_a_message_sent_shows_on_the_step_it_told_of(desk, case_id):
    note(desk, message(case_id, channel="email"))
    note(desk, message(case_id, channel="inbox"))

    [submitted] = desk.case(ANNA, case_id)["history"]

    assert submitted["action"] == "submit"
    assert submitted["notified_by"] == ["email", "inbox"]
    assert submitted["notice_failed"] is False


def test_a_message_that_failed_flags_its_step_until_another_tells_them(desk, case_id):
    note(desk, message(case_id, channel="sms"), sent=False)
    assert desk.case(ANNA, case_id)["history"][0]["notice_failed"] is True

    note(desk, message(case_id, channel="sms"))
    assert desk.case(ANNA, case_id)["history"][0]["notice_failed"] is False


def test_a_message_about_an_earlier_step_folds_into_that_step(desk, case_id):
    desk.move(CLARA, case_id, "start_review")

    note(desk, message(case_id, "applications.application_submitted"))
    note(
        desk,
        message(case_id, "applications.application_status_changed", status="in_review"),
        sent=False,
    )

    submitted, reviewed = desk.case(ANNA, case_id)["history"]
    assert submitted["notified_by"] == ["email"] and submitted["notice_failed"] is False
    assert reviewed["notified_by"] == [] and reviewed["notice_failed"] is True


def test_the_office_reads_every_message_as_an_entry_of_its_own(desk, case_id):
    note(desk, message(case_id, channel="email"))

    history = desk.case(CLARA, case_id)["history"]

    assert [entry["action"] for entry in history] == ["submit", "citizen_notified"]
    assert history[-1]["actor"] == "notifications"
    assert history[-1]["text"] == "email: application_submitted"


def test_messages_that_came_together_are_noted_in_one_transaction(desk, case_id):
    other = desk.submit()["case_id"]
    told = [
        Event(type="notification_sent", payload=message(case_id, channel="email")),
        Event(type="notification_sent", payload=message("", "appointments.appointment_booked")),
        Event(type="notification_sent", payload=message(other, channel="inbox")),
        Event(type="notification_sent", payload=message(str(uuid.uuid4()))),  # a case gone
    ]
    commits = desk.uow.commits

    use_cases.note_notifications(
        use_cases.NoteNotifications(told, notices.SENT), desk.uow, desk.clock
    )

    assert desk.uow.commits == commits + 1
    assert desk.case(ANNA, case_id)["history"][0]["notified_by"] == ["email"]
    assert desk.case(ANNA, other)["history"][0]["notified_by"] == ["inbox"]
    assert entries(desk) == 4  # two submissions, a notice each


def test_a_second_delivery_of_the_same_message_is_noted_once(desk, case_id):
    event = note(desk, message(case_id))

    command = use_cases.NoteNotifications([event, event], notices.SENT)
    use_cases.note_notifications(command, desk.uow, desk.clock)

    assert entries(desk) == 2


@pytest.mark.parametrize(
    "payload",
    [
        # about an appointment, not a case
        message("", "appointments.appointment_booked"),
        # to a clerk's queue, not to the citizen
        message("", channel="clerk_queue"),
        # about a case this service does not know
        message(str(uuid.uuid4())),
    ],
)
def test_a_message_about_anything_but_a_known_case_is_left_alone(desk, case_id, payload):
    note(desk, payload)

    assert entries(desk) == 1
    assert desk.uow.published_types() == ["application_submitted"]
