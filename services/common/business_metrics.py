"""The business figures operators and the town watch: bookings, submissions, reports, messages.

Each is counted once its transaction committed (a retried request answered from its
idempotency key counts nothing more), with a `tenant` label: today the one town this
platform is configured for (`TENANT`), later the tenant each use case runs for.
Counters only; what they mean (the rules) stays in the services.
"""

from __future__ import annotations

from nameko import config
from prometheus_client import Counter

# the demo town, as config/local.yaml names it
DEFAULT_TENANT = "soest"

BOOKINGS = Counter(
    "rathaus_bookings_total",
    "Appointments by stage reached: held, confirmed (by the mailed link or the account), "
    "cancelled (by the citizen).",
    ["tenant", "stage"],
)
APPLICATIONS_SUBMITTED = Counter(
    "rathaus_applications_submitted_total",
    "Applications submitted, by application type (a key of the configured types).",
    ["tenant", "application_type"],
)
FEEDBACK_SUBMITTED = Counter(
    "rathaus_feedback_submitted_total",
    "Reports and ideas submitted, by kind (report or idea).",
    ["tenant", "kind"],
)
MESSAGES = Counter(
    "rathaus_messages_total",
    "Tries to deliver a message, by channel (email, sms, inbox, webhook) and outcome "
    "(delivered, temporary_failure, permanent_failure, technical_failure).",
    ["tenant", "channel", "outcome"],
)


def tenant() -> str:
    """The tenant the figures are counted for: the configured town."""
    return str(config.get("TENANT") or DEFAULT_TENANT)


def count_booking(stage: str) -> None:
    BOOKINGS.labels(tenant(), stage).inc()


def count_application(application_type: str) -> None:
    APPLICATIONS_SUBMITTED.labels(tenant(), application_type).inc()


def count_feedback(kind: str) -> None:
    FEEDBACK_SUBMITTED.labels(tenant(), kind).inc()


def count_message(channel: str, outcome: str) -> None:
    MESSAGES.labels(tenant(), channel, outcome).inc()
