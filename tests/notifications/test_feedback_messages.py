"""Feedback's events become messages: receipts, status news and answers to the author and
each follower in their own language, exactly once; new reports and ideas in their
department's queue and on its clerks' live stream; invitations to rate with their link."""

from __future__ import annotations

import time
import uuid

import pytest
from nameko.exceptions import ConfigurationError

from services.common.events import Event
from services.common.migrations import upgrade
from services.common.settings import database_url
from services.notifications.service import NotificationsService
from tests.gateway.test_live_stream import (  # noqa: F401
    open_stream,
    start_instance,
    token_for,
)
from tests.support.clients import as_caller
from tests.support.notifications import OFFICE
from tests.support.publishing import publish, publish_event
from tests.support.waiting import wait_for

TITLE = "Schlagloch in der Bahnhofstraße"
ANSWER = "Der Bauhof schließt das Schlagloch am Montag."
ANNA = {"citizen": "anna", "email": "anna@example.org", "language": "de"}
BEN = {"citizen": "ben", "email": "ben@example.org", "language": "en"}
CARLA = {"citizen": "carla", "email": "carla@example.org", "language": "de"}


def item(kind: str = "report", department: str = "roads", **changes) -> dict:
    return {
        "item_id": str(uuid.uuid4()),
        "kind": kind,
        "category": "potholes" if kind == "report" else "green_spaces",
        "department": department,
        "title": TITLE,
        **changes,
    }


def answered(*recipients: dict, **changes) -> dict:
    return item(
        status="answered",
        status_de="Beantwortet",
        status_en="Answered",
        answer=ANSWER,
        answered_at="2026-11-26T09:00:00+00:00",
        recipients=list(recipients),
        **changes,
    )


def status_changed(*recipients: dict, answered: bool, **changes) -> dict:
    return item(
        status="in_progress",
        previous_status="received",
        status_de="In Bearbeitung",
        status_en="In progress",
        answered=answered,
        changed_at="2026-11-26T09:00:00+00:00",
        recipients=list(recipients),
        **changes,
    )


def submitted(*recipients: dict, kind: str = "report", **changes) -> dict:
    located = kind == "report"
    return item(
        kind,
        status="received",
        submitted_at="2026-11-25T10:00:00+00:00",
        public_latitude=51.571 if located else None,
        public_longitude=8.106 if located else None,
        recipients=list(recipients),
        author=recipients[0]["citizen"] if recipients else "anna",
        photos=[],
        **changes,
    )


def text_of(mail) -> str:
    return mail.get_body(("plain",)).get_content().replace("\r\n", "\n")


def as_clerk(subject: str, *departments: str):
    """A client calling as a clerk of these departments, as the gateway would."""
    return as_caller("clerk", subject, departments)


def test_the_author_and_two_followers_each_get_the_answer_once_in_their_own_language(
    notifications, mail_catcher
):
    with as_caller("citizen", "carla") as carla:  # her preferences choose English
        carla.notifications.set_preferences(
            {"language": "en", "channels": {"email": True, "sms": False, "inbox": True}}
        )
    payload = answered(ANNA, BEN, CARLA)
    event = publish("feedback", "official_answer_published", payload)

    wait_for(lambda: all(mail_catcher.to(p["email"]) for p in (ANNA, BEN, CARLA)), timeout=10)
    [to_anna], [to_ben], [to_carla] = (mail_catcher.to(p["email"]) for p in (ANNA, BEN, CARLA))
    assert to_anna["Subject"] == f"Antwort der Stadt auf „{TITLE}“"
    assert "Neuer Stand: Beantwortet" in text_of(to_anna) and ANSWER in text_of(to_anna)
    for mail in (to_ben, to_carla):
        assert mail["Subject"] == f'The town answered "{TITLE}"'
        assert "New status: Answered" in text_of(mail) and ANSWER in text_of(mail)

    # the same event again, as the broker would redeliver it
    publish_event("feedback", Event(type=event.type, payload=payload, event_id=event.event_id))
    publish("feedback", "official_answer_published", answered(BEN, title="Nächste Frage"))
    wait_for(lambda: len(mail_catcher.to(BEN["email"])) == 2, timeout=10)
    time.sleep(0.3)
    assert [len(mail_catcher.to(p["email"])) for p in (ANNA, BEN, CARLA)] == [1, 2, 1]
    with as_caller("admin", "root") as admin:
        log = admin.notifications.deliveries({"event_id": str(event.event_id)})["deliveries"]
    # each of them once by e-mail and once in their inbox
    assert sorted((entry["channel"], entry["recipient"]) for entry in log) == [
        ("email", "a***@example.org"),
        ("email", "b***@example.org"),
        ("email", "c***@example.org"),
        ("inbox", "anna"),
        ("inbox", "ben"),
        ("inbox", "carla"),
    ]
    with as_caller("citizen", "carla") as carla:
        [inbox_item] = carla.notifications.inbox()["items"]
        assert inbox_item["title"] == f'The town answered "{TITLE}"'


def test_a_status_change_is_told_only_when_no_answer_came_with_it(notifications, mail_catcher):
    publish("feedback", "report_status_changed", status_changed(ANNA, BEN, answered=True))
    publish("feedback", "report_status_changed", status_changed(ANNA, BEN, answered=False))

    wait_for(lambda: mail_catcher.to(ANNA["email"]) and mail_catcher.to(BEN["email"]))
    time.sleep(0.3)
    [to_anna], [to_ben] = mail_catcher.to(ANNA["email"]), mail_catcher.to(BEN["email"])
    assert to_anna["Subject"] == f"Meldung „{TITLE}“: In Bearbeitung"
    assert to_ben["Subject"] == f'Report "{TITLE}": In progress'
    assert "you submitted or follow has a new status: In progress" in text_of(to_ben)


def test_a_new_report_is_receipted_and_queued_for_its_department_only(
    notifications, mail_catcher, sent
):
    event = publish("feedback", "report_submitted", submitted(ANNA))

    [receipt] = wait_for(lambda: mail_catcher.to(ANNA["email"]), timeout=10)
    assert receipt["Subject"] == f"Ihre Meldung „{TITLE}“ ist eingegangen"
    assert "Sobald sich ihr Stand ändert, hören Sie von uns." in text_of(receipt)
    queued = sent.wait_for_one("clerk_queue_item_added", event_id=str(event.event_id))
    assert queued["payload"]["role"] == "clerk"
    assert queued["payload"]["department"] == "roads"
    assert queued["payload"]["title"] == "Neue Meldung in der Kategorie potholes"
    assert not {"title", "recipients"} & set(queued["payload"]["facts"])
    with as_clerk("rita", "environment", "roads") as rita:
        [in_queue] = rita.notifications.inbox()["items"]
        assert in_queue["title"] == "Neue Meldung in der Kategorie potholes"
        assert in_queue["audience"] == "role"
        assert TITLE not in in_queue["body"]
    with as_clerk("paul", "environment") as paul, as_clerk("clara") as clara:
        assert paul.notifications.inbox()["items"] == []
        assert clara.notifications.inbox()["items"] == []
        assert paul.notifications.unread_count() == {"unread": 0}


def test_a_new_idea_is_receipted_in_english_and_queued_for_its_department(
    notifications, mail_catcher
):
    publish("feedback", "idea_submitted", submitted(BEN, kind="idea", department="urban_planning"))

    [receipt] = wait_for(lambda: mail_catcher.to(BEN["email"]), timeout=10)
    assert receipt["Subject"] == f'Your idea "{TITLE}" has been received'
    assert "You will hear from us when its status changes." in text_of(receipt)
    with as_clerk("uwe", "urban_planning") as uwe, as_clerk("rita", "roads") as rita:
        [in_queue] = wait_for(lambda: uwe.notifications.inbox()["items"], timeout=5)
        assert in_queue["title"] == "Neue Idee in der Kategorie green_spaces"
        assert rita.notifications.inbox()["items"] == []


def test_a_new_report_reaches_the_live_stream_of_its_departments_clerks_only(
    notifications,
    start_instance,  # noqa: F811
    open_stream,  # noqa: F811
):
    base, _ = start_instance()
    rita = open_stream(base, token_for(base, "clerk", "rita", ["roads"]))
    paul = open_stream(base, token_for(base, "clerk", "paul", ["environment"]))
    admin = open_stream(base, token_for(base, "admin", "root"))

    event = publish("feedback", "report_submitted", submitted(ANNA))

    [for_rita] = wait_for(rita.items, timeout=10)
    assert for_rita["event_id"] == str(event.event_id)
    assert for_rita["title"] == "Neue Meldung in der Kategorie potholes"
    assert for_rita["department"] == "roads"
    assert "recipients" not in for_rita["facts"] and "title" not in for_rita["facts"]
    assert wait_for(admin.items, timeout=5) == [for_rita]
    # the hub hands an item to every stream at once: had paul's wanted it, it would be there
    time.sleep(0.3)
    assert paul.items() == []


def invited(**changes) -> dict:
    return {
        "invitation_id": str(uuid.uuid4()),
        "subject_kind": "visit",
        "subject_id": str(uuid.uuid4()),
        "service": "personalausweis",
        "service_name": "Personalausweis beantragen",
        "location": "rathaus",
        "rate_url": "https://portal.test/bewerten#t=secret-rating-token",
        "expires_at": "2026-12-15T12:00:00+01:00",
        **ANNA,
        **changes,
    }


def test_an_invitation_to_rate_mails_its_link_and_until_when_it_works(
    notifications, mail_catcher, sent
):
    with as_caller("citizen", "bert") as bert:  # no reminders, no invitations
        bert.notifications.set_preferences(
            {
                "language": "de",
                "channels": {"email": True, "sms": False, "inbox": True},
                "non_essential": False,
            }
        )
    publish("feedback", "rating_invited", invited(citizen="bert", email="bert@example.org"))
    event = publish("feedback", "rating_invited", invited())

    [mail] = wait_for(lambda: mail_catcher.to(ANNA["email"]), timeout=10)
    assert mail["Subject"] == "Wie zufrieden waren Sie? Personalausweis beantragen"
    text = text_of(mail)
    assert "https://portal.test/bewerten#t=secret-rating-token" in text
    assert "Der Link gilt bis Dienstag, 15. Dezember 2026." in text
    html = mail.get_body(("html",)).get_content()
    assert '<a href="https://portal.test/bewerten#t=secret-rating-token">' in html
    # the link is the citizen's alone: what leaves the service names no link, no address
    told = sent.wait_for_one("notification_sent", event_id=str(event.event_id))
    assert not {"rate_url", "email", "citizen"} & set(told["payload"]["facts"])
    time.sleep(0.3)
    assert mail_catcher.to("bert@example.org") == []


def test_content_hidden_by_flags_asks_the_moderators_and_a_moderators_hiding_does_not(
    notifications,
):
    hidden = {
        "target_kind": "comment",
        "target_id": "comment-7",
        "item_id": str(uuid.uuid4()),
        "flags": 3,
        "hidden_at": "2026-11-26T09:00:00+00:00",
    }
    publish("feedback", "content_hidden", {**hidden, "hidden_by": "moderator"})
    publish("feedback", "content_hidden", {**hidden, "hidden_by": "flags"})

    with as_clerk("mona") as mona:
        [asked] = wait_for(lambda: mona.notifications.inbox()["items"], timeout=10)
        assert asked["title"] == "Kommentar nach 3 Meldungen ausgeblendet: bitte entscheiden"
        time.sleep(0.3)
        assert len(mona.notifications.inbox()["items"]) == 1


@pytest.mark.parametrize(
    ("to", "complaint"),
    [("department", "names no public department"), ("recipients", "has no recipients list")],
)
def test_routing_to_what_an_event_does_not_carry_stops_the_service_at_start(
    platform_config, container_factory, notification_settings, tmp_path, to, complaint
):
    routing = tmp_path / "routing.yaml"
    routing.write_text(
        f"- {{event: feedback.rating_invited, template: feedback_rating_invited, to: {to}}}\n"
    )
    upgrade("notifications", database_url("notifications"))
    container = container_factory(
        NotificationsService,
        {
            "NOTIFICATIONS": {**notification_settings, "routing_file": str(routing)},
            "OFFICE": OFFICE,
        },
    )

    with pytest.raises(ConfigurationError, match=complaint):
        container.start()
