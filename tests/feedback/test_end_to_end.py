"""Feedback end to end over HTTP, with the real appointments, notifications and documents
services and an SMTP server on loopback:

- a citizen is served at the desk; the mail that invites her to rate the visit holds the
  link whose token rates it once;
- a citizen reports a dark streetlight; the roads department has it in its queue (and the
  parks department does not); a neighbour follows it; the clerk answers, and the author (in
  German) and the neighbour (in English) each get the answer by mail, once.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from tests.appointments.test_desk import book_soon, station  # noqa: F401
from tests.gateway.test_challenge import solved
from tests.support.clients import cluster_client
from tests.support.feedback import report
from tests.support.waiting import wait_for

API = "/api/v1/feedback"


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def sign_in(web_session, role: str, subject: str, departments=()) -> dict[str, str]:
    answer = web_session.post(
        "/api/v1/auth/dev-login",
        json={"subject": subject, "role": role, "departments": list(departments)},
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_a_served_citizen_rates_her_visit_once_by_the_mailed_link(
    station,  # noqa: F811
    events,
    feedback,
    notifications,
    mail_catcher,
    web_session,
):
    with cluster_client() as anyone:
        booked = book_soon(anyone.appointments, events, "erika@example.org")
    for action in ("check_in", "call", "serve"):
        station.desk_action(booked["appointment_id"], action)

    invitation = wait_for(
        lambda: [m for m in mail_catcher.to("erika@example.org") if "/feedback/rate" in text_of(m)]
    )
    [mail] = invitation
    link = re.search(r"http\S+/feedback/rate\?token=\S+", text_of(mail)).group(0)
    token = parse_qs(urlparse(link).query)["token"][0]

    asked = web_session.post(f"{API}/ratings/invitation", json={"token": token})
    assert asked.status_code == 200, asked.text
    assert asked.json()["rated"] is False
    rated = web_session.post(
        f"{API}/ratings", json={"token": token, "score": 5, "comment": "Nach 5 Minuten dran."}
    )
    again = web_session.post(f"{API}/ratings", json={"token": token, "score": 1})

    assert rated.status_code == 201, rated.text
    assert rated.json()["location"] == "station"
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_rated"
    office_headers = sign_in(web_session, "clerk", "clara")
    figures = web_session.get(f"{API}/figures", headers=office_headers).json()
    assert [(r["location"], r["service"], r["average"]) for r in figures["ratings"]] == [
        ("station", "registration", 5.0)
    ]


def test_a_report_reaches_its_department_and_the_answer_reaches_author_and_follower(
    feedback,
    notifications,
    mail_catcher,
    web_session,
):
    anna = sign_in(web_session, "citizen", "anna")
    ben = sign_in(web_session, "citizen", "ben")
    roads = sign_in(web_session, "clerk", "rolf", departments=["roads"])
    parks = sign_in(web_session, "clerk", "petra", departments=["parks"])

    challenge = web_session.get(f"{API}/challenge").json()
    submitted = web_session.post(
        f"{API}/reports",
        json=report(email="anna@example.org", name="Anna", altcha=solved(challenge)),
        headers=anna,
    )
    assert submitted.status_code == 201, submitted.text
    item = submitted.json()

    def queue_of(headers) -> list[dict]:
        inbox = web_session.get("/api/v1/notifications/inbox", headers=headers)
        assert inbox.status_code == 200, inbox.text
        return inbox.json()["items"]

    [queued] = wait_for(lambda: queue_of(roads))
    assert item["id"] in queued["body"] and "streetlight" in queued["title"]
    assert "anna" not in str(queued).lower()  # the queue shows public facts only
    assert queue_of(parks) == []

    followed = web_session.put(
        f"{API}/items/{item['id']}/follow",
        json={"email": "ben@example.org", "language": "en"},
        headers=ben,
    )
    assert followed.status_code == 200, followed.text
    answered = web_session.post(
        f"{API}/items/{item['id']}/status",
        json={"status": "accepted", "answer": "Der Bauhof tauscht die Lampe am Freitag."},
        headers=roads,
    )
    assert answered.status_code == 200, answered.text

    def answer_mails(address: str) -> list:
        return [m for m in mail_catcher.to(address) if "Bauhof" in text_of(m)]

    [to_anna] = wait_for(lambda: answer_mails("anna@example.org"))
    [to_ben] = wait_for(lambda: answer_mails("ben@example.org"))
    assert "In Bearbeitung" in text_of(to_anna)
    assert "In progress" in text_of(to_ben)
    # the receipt came first; no status mail besides the answer
    assert len(mail_catcher.to("anna@example.org")) == 2
    assert len(mail_catcher.to("ben@example.org")) == 1
    public = web_session.get(f"{API}/items/{item['id']}").json()
    assert public["official_answer"] == "Der Bauhof tauscht die Lampe am Freitag."
    assert "author" not in public and "email" not in public
