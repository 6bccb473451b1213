"""Whose inbox an item is in: a citizen's own items never mix with the queues the office
shares, whatever their subject spells, over RPC and through the gateway."""

from __future__ import annotations

import pytest

from services.common.context import Caller
from services.notifications import errors
from tests.notifications.conftest import REFUSED, publish
from tests.notifications.test_delivery import confirmed
from tests.notifications.test_feedback_messages import ANNA, submitted
from tests.notifications.test_office import submitted as application_submitted
from tests.support.clients import as_caller, cluster_client
from tests.support.waiting import wait_for

API = "/api/v1/notifications"
LOOKALIKES = ("role:clerk", "role:admin", "department:roads")
EMPTY = {"items": [], "unread": 0, "next_cursor": None}


@pytest.fixture
def shared_queues(notifications):
    """An item in the clerks' queue, the admins' queue and the roads department's queue;
    the titles each queue holds, by who reads it."""
    publish("applications", "application_submitted", application_submitted())
    publish("feedback", "report_submitted", submitted(ANNA))
    publish("appointments", "appointment_confirmed", confirmed(email=REFUSED))  # alerts admins
    clerks = {
        "Neue Meldung in der Kategorie potholes",
        "Neuer Antrag 2026-BPA-000123 (bewohnerparkausweis)",
    }
    admins = {"Zustellung fehlgeschlagen: email, appointments.appointment_confirmed"}
    with cluster_client(Caller("rita", "clerk", ("roads",)).to_context()) as rita:
        assert wait_for(lambda: titles(rita.notifications.inbox()) == clerks, timeout=10)
    with as_caller("admin", "root") as root:
        assert wait_for(lambda: titles(root.notifications.inbox()) == admins, timeout=10)
    return {"clerks": clerks, "admins": admins}


def titles(page: dict) -> set[str]:
    return {item["title"] for item in page["items"]}


@pytest.mark.parametrize("subject", LOOKALIKES)
def test_a_citizen_whose_subject_spells_a_shared_queue_reads_only_their_own_inbox(
    shared_queues, subject
):
    with as_caller("clerk", "rita") as rita:  # the clerks' queue, without the department's
        [queued] = rita.notifications.inbox()["items"]

    with as_caller("citizen", subject) as citizen:
        assert citizen.notifications.inbox() == EMPTY
        assert citizen.notifications.unread_count() == {"unread": 0}
        assert citizen.notifications.mark_all_read() == {"marked": 0}
        with pytest.raises(errors.InboxItemNotFound):
            citizen.notifications.mark_read(queued["item_id"])

    with as_caller("clerk", "rita") as rita:  # nothing was marked read in the clerk's name
        assert rita.notifications.unread_count() == {"unread": 1}


def test_a_citizens_own_item_stays_theirs_when_their_subject_spells_the_clerks_queue(
    notifications,
):
    publish("appointments", "appointment_confirmed", confirmed(citizen="role:clerk"))

    with as_caller("citizen", "role:clerk") as citizen:
        [own] = wait_for(lambda: citizen.notifications.inbox()["items"], timeout=10)
        assert own["audience"] == "personal"
    with as_caller("clerk", "clara") as clara:
        assert clara.notifications.inbox() == EMPTY
        with pytest.raises(errors.InboxItemNotFound):
            clara.notifications.mark_read(own["item_id"])


@pytest.fixture
def portal(shared_queues, start_gateway, web_session):
    start_gateway()
    return web_session


@pytest.mark.parametrize("subject", LOOKALIKES)
def test_through_the_gateway_a_lookalike_subject_sees_an_empty_inbox(portal, login, subject):
    citizen = login("citizen", subject)

    inbox = portal.get(f"{API}/inbox", headers=citizen)

    assert inbox.status_code == 200
    assert inbox.json() == EMPTY
    assert portal.get(f"{API}/inbox/unread-count", headers=citizen).json() == {"unread": 0}
    assert portal.post(f"{API}/inbox/read-all", headers=citizen).json() == {"marked": 0}


def test_through_the_gateway_clerks_and_admins_still_read_their_queues(
    portal, login, shared_queues
):
    clerk = portal.get(f"{API}/inbox", headers=login("clerk", "clara")).json()
    admin = portal.get(f"{API}/inbox", headers=login("admin", "root")).json()

    assert titles(clerk) == {"Neuer Antrag 2026-BPA-000123 (bewohnerparkausweis)"}
    assert titles(admin) == shared_queues["admins"]
    assert {item["audience"] for item in clerk["items"] + admin["items"]} == {"role"}
