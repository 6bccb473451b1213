"""What an instance keeps in memory between events (templates, subscriptions, preferences)
gives way to a change made anywhere: two instances here are two intakes on one database,
each with its own memory; one has taken an event before the other makes the change."""

from __future__ import annotations

import pytest

from services.common.loading import load
from services.notifications.models import InboxItemRow, MessageRow
from services.notifications.schemas import Preferences, SubscriptionInput, TemplateVersionInput
from services.notifications.use_cases.personal import SetPreferences, set_preferences
from services.notifications.use_cases.taking import TakeEvent, take_event
from services.notifications.use_cases.templates import AddTemplateVersion, add_template_version
from services.notifications.use_cases.webhooks import (
    Subscribe,
    Unsubscribe,
    subscribe,
    unsubscribe,
)
from tests.unit.notifications.scene import (
    ADA,
    ANNA,
    CallbackTests,
    Kicks,
    appointment_held,
    checked_in,
    clock,
    rows,
    setup,
)


@pytest.fixture
def instances(tmp_path):
    """Two instances' intakes: the same catalogue, a memory each."""
    return setup(tmp_path, private_callbacks=True), setup(tmp_path, private_callbacks=True)


def take(uow, intake, taken) -> None:
    take_event(TakeEvent("appointments", taken), uow, clock(), intake, Kicks())


def messages(uow, channel: str) -> list[MessageRow]:
    return [row for row in rows(uow, MessageRow) if row.channel == channel]


def test_a_template_version_added_at_another_instance_is_used_by_the_next_event(uow, instances):
    first, other = instances
    take(uow, first, checked_in())  # version 1 is now kept by the first instance
    spec = load(TemplateVersionInput, {"language": "de", "subject": "Da: ((service))", "body": "."})

    add_template_version(AddTemplateVersion(ADA, "checked_in", spec, None), uow, clock(), other)
    take(uow, first, checked_in())

    titles = sorted(item.title for item in rows(uow, InboxItemRow))
    assert titles == ["Angekommen: passport", "Da: passport"]


def test_a_citizens_choice_made_at_another_instance_applies_to_their_next_event(uow, instances):
    first, _ = instances  # the choice is an RPC that any instance may answer
    take(uow, first, appointment_held())  # the first instance keeps that Anna chose nothing
    assert [row.language for row in messages(uow, "email")] == ["de"]
    chosen = {"language": "en", "channels": {"email": True, "sms": False, "inbox": False}}

    set_preferences(SetPreferences(ANNA, load(Preferences, chosen)), uow, clock())
    take(uow, first, appointment_held())

    assert sorted(row.language for row in messages(uow, "email")) == ["de", "en"]
    assert len(messages(uow, "inbox")) == 1  # the first event's only: she turned it off


def test_a_subscription_made_or_ended_at_another_instance_counts_from_the_next_event(
    uow, instances
):
    first, other = instances
    take(uow, first, appointment_held())  # the first instance keeps that nobody subscribed
    spec = load(
        SubscriptionInput,
        {
            "event_types": ["appointments.appointment_held"],
            "callback_url": "https://hooks.example.org/rathaus",
            "secret": "a-secret-of-sixteen-or-more",
        },
    )

    made = subscribe(Subscribe(ADA, spec, None), uow, clock(), other.settings, CallbackTests())
    take(uow, first, appointment_held())
    unsubscribe(Unsubscribe(ADA, made["subscription_id"]), uow, clock())
    take(uow, first, appointment_held())

    assert [row.recipient for row in messages(uow, "webhook")] == [made["subscription_id"]]
