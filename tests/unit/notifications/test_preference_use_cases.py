"""How a person wants to hear from the office: read, replaced, and applied to the next event."""

from __future__ import annotations

from services.common.loading import load
from services.notifications.models import MessageRow
from services.notifications.schemas import Preferences
from services.notifications.use_cases.personal import (
    ReadPreferences,
    SetPreferences,
    read_preferences,
    set_preferences,
)
from services.notifications.use_cases.taking import TakeEvent, take_event
from tests.unit.notifications.scene import (
    ANNA,
    BERT,
    MOMENT,
    Kicks,
    appointment_held,
    clock,
    rows,
    setup,
)

CHOSEN = {
    "language": "en",
    "channels": {"email": False, "sms": True, "inbox": True},
    "phone": "+4917612345678",
}


def choose(uow, caller, **changes):
    command = SetPreferences(caller, load(Preferences, {**CHOSEN, **changes}))
    return set_preferences(command, uow, clock())


def test_someone_who_never_chose_gets_the_defaults_unsaved(uow, tmp_path):
    settings = setup(tmp_path).settings

    shown = read_preferences(ReadPreferences(ANNA), uow, settings)

    assert shown == {
        "language": "de",
        "channels": {"email": True, "sms": False, "inbox": True},
        "email": None,
        "phone": None,
        "non_essential": True,
        "updated_at": None,
    }


def test_chosen_preferences_are_kept_and_read_back(uow, tmp_path):
    saved = choose(uow, ANNA)

    shown = read_preferences(ReadPreferences(ANNA), uow, setup(tmp_path).settings)

    assert shown == saved
    assert (shown["language"], shown["phone"]) == ("en", "+4917612345678")
    assert shown["updated_at"] == MOMENT.isoformat()


def test_preferences_are_replaced_as_a_whole(uow):
    choose(uow, ANNA, email="anna@example.org")

    replaced = choose(uow, ANNA, channels={"email": True, "sms": False, "inbox": False})

    assert replaced["email"] is None and replaced["phone"] == "+4917612345678"
    assert replaced["channels"] == {"email": True, "sms": False, "inbox": False}


def test_one_persons_choice_is_not_anothers(uow, tmp_path):
    choose(uow, ANNA)

    assert (
        read_preferences(ReadPreferences(BERT), uow, setup(tmp_path).settings)["updated_at"] is None
    )


def test_the_next_event_follows_the_choice(uow, tmp_path):
    intake = setup(tmp_path)
    choose(uow, ANNA)

    take_event(TakeEvent("appointments", appointment_held()), uow, clock(), intake, Kicks())

    messages = {row.channel: row for row in rows(uow, MessageRow)}
    assert sorted(messages) == ["inbox", "sms"]
    assert messages["sms"].language == "en"
