"""What the notifications service tells of its messages, read for a case's history.

`notification_sent` and `notification_failed` are the notifications service's payloads;
this module knows which of them concern a case and which step of the case they told of.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.applications import workflow
from services.applications.catalogue import INITIAL

# the channels that reach the citizen; a clerk's queue is no message to them
CITIZEN_CHANNELS = ("email", "sms", "inbox")
# the history entries a message makes: the citizen reads them folded into a step
SENT = "citizen_notified"
FAILED = "notification_failed"
NOTICES = (SENT, FAILED)


def concerns_a_case(facts: Mapping[str, Any]) -> str | None:
    """The case a notification was about, when it was a message to the citizen about one."""
    if not facts["event_type"].startswith("applications."):
        return None
    if facts["channel"] not in CITIZEN_CHANNELS:
        return None
    return facts["facts"].get("case_id")


def event_type_of(facts: Mapping[str, Any]) -> str:
    """The applications event the message answered, without its source."""
    return facts["event_type"].partition(".")[2]


def told_status(event_type: str, public: Mapping[str, Any]) -> str | None:
    """The status a message told the citizen of, from its event's public facts."""
    if event_type == "application_submitted":
        return INITIAL
    if event_type == "application_information_requested":
        return workflow.ACTIONS["request_information"]
    return public.get("status") or public.get("decision")


def notice_text(facts: Mapping[str, Any]) -> str:
    """The text of a notice entry: 'channel: event' (channel_of reads it back)."""
    return f"{facts['channel']}: {event_type_of(facts)}"


def channel_of(text: str | None) -> str:
    """The channel of a notice entry, from its text."""
    return (text or "").partition(":")[0]
