"""Whose inbox an item is in: a citizen's own items never mix with the queues the office
shares, whatever their subject spells, over RPC and through the gateway.

A subject that spells a shared queue ("role:clerk") is not a plain identifier, so the
gateway refuses its token and no service believes an assertion naming it; the inbox keeps
the queues apart on its own all the same (an item's owner has a kind beside its name)."""

from __future__ import annotations

import time

import jwt
import pytest

from services.common.errors import Unauthenticated
from tests.notifications.test_delivery import confirmed
from tests.notifications.test_feedback_messages import ANNA, submitted
from tests.notifications.test_office import submitted as application_submitted
from tests.support.clients import as_caller
from tests.support.gateway import DEV_AUTH
from tests.support.notifications import REFUSED
from tests.support.publishing import publish
from tests.support.waiting import wait_for

API = "/api/v1/notifications"
LOOKALIKES = ("role:clerk", "role:admin", "department:roads")
EMPTY = {"items": [], "unread": 0, "next_cursor": None}


@pytest.fixture
def shared_queues(notifications):
    """An item in the traffic department's queue, the admins' queue and the roads
    department's queue; the titles each queue holds, by who reads it."""
    publish("applications", "application_submitted", application_submitted())
    publish("feedback", "report_submitted", submitted(ANNA))
    publish("appointments", "appointment_confirmed", confirmed(email=REFUSED))  # alerts admins
    clerks = {
        "Neue Meldung in der Kategorie potholes",
        "Neuer Antrag 2026-BPA-000123 (bewohnerparkausweis)",
    }
    admins = {"Zustellung fehlgeschlagen: email, appointments.appointment_confirmed"}
    with as_caller("clerk", "rita", ("roads", "traffic")) as rita:
        assert wait_for(lambda: titles(rita.notifications.inbox()) == clerks, timeout=10)
    with as_caller("admin", "root") as root:
        assert wait_for(lambda: titles(root.notifications.inbox()) == admins, timeout=10)
    return {"clerks": clerks, "admins": admins}


def titles(page: dict) -> set[str]:
    return {item["title"] for item in page["items"]}


@pytest.mark.parametrize("subject", LOOKALIKES)
def test_a_caller_whose_subject_spells_a_shared_queue_reads_no_inbox_at_all(shared_queues, subject):
    with as_caller("clerk", "rita", ("traffic",)) as rita:  # one department's queue
        [queued] = rita.notifications.inbox()["items"]

    with as_caller("citizen", subject) as lookalike:
        for call in (
            lookalike.notifications.inbox,
            lookalike.notifications.unread_count,
            lookalike.notifications.mark_all_read,
            lambda: lookalike.notifications.mark_read(queued["item_id"]),
        ):
            with pytest.raises(Unauthenticated):
                call()

    # nothing was marked read in the clerk's name
    with as_caller("clerk", "rita", ("traffic",)) as rita:
        assert rita.notifications.unread_count() == {"unread": 1}


def test_an_item_for_an_account_that_spells_the_clerks_queue_is_not_the_clerks(
    notifications,
):
    publish("appointments", "appointment_confirmed", confirmed(citizen="role:clerk"))

    with as_caller("admin", "root") as root:  # the event is handled: its mail is logged
        wait_for(lambda: root.notifications.deliveries()["deliveries"], timeout=10)
    with as_caller("clerk", "clara") as clara:
        assert clara.notifications.inbox() == EMPTY
        assert clara.notifications.unread_count() == {"unread": 0}


@pytest.fixture
def lookalike_token():
    """A token the gateway's dev login would sign, naming `subject` (dev login refuses to)."""

    def token(subject: str) -> str:
        now = int(time.time())
        claims = {
            "iss": DEV_AUTH["issuer"],
            "aud": DEV_AUTH["audience"],
            "sub": subject,
            "role": "citizen",
            "iat": now,
            "exp": now + 60,
        }
        return jwt.encode(claims, DEV_AUTH["dev_secret"], algorithm="HS256")

    return token


@pytest.fixture
def portal(shared_queues, start_gateway, web_session):
    start_gateway()
    return web_session


@pytest.mark.parametrize("subject", LOOKALIKES)
def test_through_the_gateway_a_lookalike_subject_is_refused(portal, lookalike_token, subject):
    headers = {"Authorization": f"Bearer {lookalike_token(subject)}"}

    inbox = portal.get(f"{API}/inbox", headers=headers)

    assert inbox.status_code == 401
    assert inbox.json()["error"]["code"] == "invalid_token"
    assert portal.post(f"{API}/inbox/read-all", headers=headers).status_code == 401


def test_through_the_gateway_clerks_and_admins_still_read_their_queues(
    portal, login, shared_queues
):
    clerk = portal.get(f"{API}/inbox", headers=login("clerk", "clara", ("traffic",))).json()
    admin = portal.get(f"{API}/inbox", headers=login("admin", "root")).json()

    assert titles(clerk) == {"Neuer Antrag 2026-BPA-000123 (bewohnerparkausweis)"}
    assert titles(admin) == shared_queues["admins"]
    assert {item["audience"] for item in clerk["items"] + admin["items"]} == {"role"}
