"""Every notifications answer is what the gateway documents: no field the schema lacks, none
it names missing, so a field added on one side cannot vanish silently on the other."""

from __future__ import annotations

import pytest
from marshmallow import Schema

from services.common.loading import load
from services.gateway import notification_schemas as answers
from services.notifications import delivery_log
from services.notifications.outcomes import PERMANENT, Outcome
from services.notifications.schemas import (
    DeliveryQuery,
    InboxQuery,
    Preferences,
    PreviewInput,
    SubscriptionInput,
    TemplateVersionInput,
)
from services.notifications.use_cases import deliveries, personal, taking, templates, webhooks
from tests.unit.notifications.scene import (
    ADA,
    ANNA,
    MOMENT,
    CallbackTests,
    Kicks,
    appointment_held,
    clock,
    setup,
    unit_of_work,
)


@pytest.fixture
def uow(fake_uow):
    return unit_of_work(fake_uow, handler="on_appointments_event")


@pytest.fixture
def intake(tmp_path):
    return setup(tmp_path, private_callbacks=True)


def conforms(answer: dict, schema: type[Schema]) -> None:
    assert schema().validate(answer) == {}
    assert set(answer) == set(schema().fields), f"{schema.__name__} and the answer differ"


def a_failed_mail(uow, intake) -> str:
    event = appointment_held()
    taking.take_event(taking.TakeEvent("appointments", event), uow, clock(), intake, Kicks())
    with uow.transaction() as tx:
        [claimed] = delivery_log.claim(tx.session, intake.settings, MOMENT, "t")
    with uow.transaction() as tx:
        delivery_log.record(tx, claimed, Outcome(PERMANENT, "550"), "t", intake, MOMENT)
    return claimed.id


def test_the_inbox_and_its_items_answer_as_documented(uow, intake):
    taking.take_event(
        taking.TakeEvent("appointments", appointment_held()), uow, clock(), intake, Kicks()
    )

    inbox = personal.read_inbox(personal.ReadInbox(ANNA, load(InboxQuery, {})), uow)
    read = personal.mark_read(personal.MarkRead(ANNA, inbox["items"][0]["item_id"]), uow, clock())

    conforms(inbox, answers.Inbox)
    conforms(inbox["items"][0], answers.InboxItem)
    conforms(read, answers.InboxItem)
    conforms(personal.count_unread(personal.CountUnread(ANNA), uow), answers.UnreadCount)
    conforms(personal.mark_all_read(personal.MarkAllRead(ANNA), uow, clock()), answers.MarkedRead)


def test_preferences_answer_as_documented(uow, intake):
    unsaved = personal.read_preferences(personal.ReadPreferences(ANNA), uow, intake.settings)
    chosen = load(Preferences, {"language": "de", "channels": unsaved["channels"]})

    saved = personal.set_preferences(personal.SetPreferences(ANNA, chosen), uow, clock())

    conforms(unsaved, answers.PreferencesView)
    conforms(saved, answers.PreferencesView)


def test_subscriptions_answer_as_documented(uow, intake):
    spec = load(
        SubscriptionInput,
        {
            "event_types": ["appointments.appointment_held"],
            "callback_url": "https://hooks.example.org/x",
            "secret": "sixteen-characters-at-least",
        },
    )

    made = webhooks.subscribe(
        webhooks.Subscribe(ADA, spec), uow, clock(), intake.settings, CallbackTests()
    )

    conforms(made, answers.Subscription)
    conforms(webhooks.list_subscriptions(uow), answers.SubscriptionList)


def test_the_delivery_log_answers_as_documented(uow, intake):
    message_id = a_failed_mail(uow, intake)

    log = deliveries.list_deliveries(deliveries.ListDeliveries(load(DeliveryQuery, {})), uow)
    shown = deliveries.show_delivery(deliveries.ShowDelivery(message_id), uow)
    resent = deliveries.resend(deliveries.Resend(ADA, message_id), uow, clock(), Kicks())

    conforms(log, answers.DeliveryList)
    for entry in log["deliveries"]:
        conforms(entry, answers.Delivery)
    conforms(shown, answers.DeliveryView)
    conforms(shown["attempt_log"][0], answers.Attempt)
    conforms(resent, answers.DeliveryView)


def test_templates_answer_as_documented(uow, intake):
    spec = load(TemplateVersionInput, {"language": "de", "subject": "S", "body": "B"})
    values = {"service": "passport", "appointment_id": "a-1", "location": "town_hall"}
    request = load(PreviewInput, {"values": values})

    listed = templates.list_templates(uow, intake)
    made = templates.add_template_version(
        templates.AddTemplateVersion(ADA, "no_show", spec), uow, clock(), intake
    )
    preview = templates.preview_template(
        templates.PreviewTemplate("checked_in", request), uow, intake
    )

    conforms(listed, answers.TemplateList)
    conforms(listed["templates"][0], answers.TemplateSummary)
    conforms(made, answers.NewTemplateVersion)
    conforms(preview, answers.Preview)


def test_a_described_template_answers_as_documented(uow, intake):
    conforms(
        templates.show_template(templates.ShowTemplate("no_show"), uow, intake),
        answers.TemplateView,
    )
