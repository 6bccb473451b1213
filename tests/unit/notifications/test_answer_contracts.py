"""Every notifications answer has the shape its RPC declares (`@rpc(answers=...)`): no field
the schema lacks, none it names missing, so a field added on one side fails here instead of
vanishing on the other. The gateway documents each route with that same schema."""

from __future__ import annotations

from typing import Any

import pytest

from services.common import answers
from services.common.audit import AuditPage
from services.common.loading import load
from services.common.rpc_entrypoint import Rpc
from services.gateway.http import Route
from services.gateway.notifications import NotificationRoutes
from services.notifications import delivery_log
from services.notifications import schemas as contract
from services.notifications.outcomes import PERMANENT, Outcome
from services.notifications.schemas import (
    DeliveryQuery,
    InboxQuery,
    Preferences,
    PreviewInput,
    SubscriptionInput,
    TemplateVersionInput,
)
from services.notifications.service import NotificationsService
from services.notifications.use_cases import deliveries, personal, taking, templates, webhooks
from tests.unit.notifications.scene import (
    ADA,
    ANNA,
    KLARA,
    MOMENT,
    CallbackTests,
    Kicks,
    application_submitted,
    appointment_held,
    clock,
    setup,
    unit_of_work,
)

# the RPCs that answer nothing to describe: a 204, and the common audit trail's page
UNDECLARED = {"unsubscribe"}  # answers nothing
# answers in the shape every service's trail has (services/common/audit.py)
SHARED = {"audit_trail": AuditPage}

# each route and the RPC it answers with
ROUTE_RPC = {
    "inbox": "inbox",
    "unread_count": "unread_count",
    "mark_read": "mark_read",
    "mark_all_read": "mark_all_read",
    "get_preferences": "get_preferences",
    "set_preferences": "set_preferences",
    "list_subscriptions": "list_subscriptions",
    "subscribe": "subscribe",
    "list_deliveries": "deliveries",
    "get_delivery": "delivery",
    "resend_delivery": "resend",
    "list_templates": "list_templates",
    "get_template": "get_template",
    "add_template_version": "add_template_version",
    "preview_template": "preview_template",
}


@pytest.fixture
def intake(tmp_path):
    return setup(tmp_path, private_callbacks=True)


def entrypoints(cls: type, kind: type) -> dict[str, Any]:
    """The class's own (health and the dead letters' trail are the common base's)."""
    return {
        name: entrypoint
        for name, member in vars(cls).items()
        for entrypoint in getattr(member, "nameko_entrypoints", ())
        if isinstance(entrypoint, kind)
    }


RPCS: dict[str, Rpc] = entrypoints(NotificationsService, Rpc)


def conforms(answer: Any, rpc: str) -> None:
    """The answer is what `rpc` declares: nothing more, nothing less, of the right types."""
    declared = RPCS[rpc]
    assert declared.answers is not None, f"{rpc} declares no answer"
    assert answers.mismatches(declared.answers(), answer, many=declared.many) == []
    assert declared.answers(many=declared.many).validate(answer) == {}


def a_failed_mail(uow, intake) -> str:
    event = appointment_held()
    taking.take_event(taking.TakeEvent("appointments", event), uow, clock(), intake, Kicks())
    with uow.transaction() as tx:
        [claimed] = delivery_log.claim(tx.session, intake.settings, MOMENT, "t")
    with uow.transaction() as tx:
        delivery_log.record(tx, claimed, Outcome(PERMANENT, "550"), "t", intake, MOMENT)
    return claimed.id


def test_every_rpc_with_an_answer_declares_the_services_own_schema():
    declared = {name for name, rpc in RPCS.items() if rpc.answers is not None}

    assert declared == set(RPCS) - UNDECLARED
    for name in declared - set(SHARED):
        assert vars(contract).get(RPCS[name].answers.__name__) is RPCS[name].answers, name
    assert all(RPCS[name].answers is schema for name, schema in SHARED.items())


def test_every_answer_schema_names_each_field_it_always_answers_as_required():
    for name in set(RPCS) - UNDECLARED:
        schema = RPCS[name].answers()
        assert all(field.required for field in schema.fields.values()), name


def test_each_route_is_documented_with_the_schema_its_rpc_answers_in():
    routes = entrypoints(NotificationRoutes, Route)

    assert {name for name, route in routes.items() if route.response} == set(ROUTE_RPC)
    for route, rpc in ROUTE_RPC.items():
        assert routes[route].response is RPCS[rpc].answers, route


def test_the_inbox_and_its_items_answer_as_declared(uow, intake):
    taking.take_event(
        taking.TakeEvent("appointments", appointment_held()), uow, clock(), intake, Kicks()
    )

    inbox = personal.read_inbox(personal.ReadInbox(ANNA, load(InboxQuery, {})), uow)
    read = personal.mark_read(personal.MarkRead(ANNA, inbox["items"][0]["item_id"]), uow, clock())
    again = personal.read_inbox(personal.ReadInbox(ANNA, load(InboxQuery, {"limit": 1})), uow)

    assert inbox["items"] and read["read_at"] is not None
    conforms(inbox, "inbox")
    conforms(read, "mark_read")
    conforms(again, "inbox")
    conforms(personal.count_unread(personal.CountUnread(ANNA), uow), "unread_count")
    conforms(personal.mark_all_read(personal.MarkAllRead(ANNA), uow, clock()), "mark_all_read")


def test_an_empty_inbox_answers_as_declared(uow):
    unread = personal.ReadInbox(ANNA, load(InboxQuery, {"unread_only": True}))

    conforms(personal.read_inbox(unread, uow), "inbox")
    conforms(personal.mark_all_read(personal.MarkAllRead(ANNA), uow, clock()), "mark_all_read")


def test_a_clerks_queue_answers_as_declared(fake_uow, intake):
    uow = unit_of_work(fake_uow, handler="on_applications_event")
    submitted = application_submitted(department="roads")
    taking.take_event(taking.TakeEvent("applications", submitted), uow, clock(), intake, Kicks())

    queue = personal.read_inbox(personal.ReadInbox(KLARA, load(InboxQuery, {})), uow)
    read = personal.mark_read(personal.MarkRead(KLARA, queue["items"][0]["item_id"]), uow, clock())

    assert {item["audience"] for item in queue["items"]} == {"role"}
    conforms(queue, "inbox")
    conforms(read, "mark_read")


def test_preferences_answer_as_declared(uow, intake):
    unsaved = personal.read_preferences(personal.ReadPreferences(ANNA), uow, intake.settings)
    chosen = load(
        Preferences,
        {
            "language": "en",
            "channels": {"email": True, "sms": True, "inbox": False},
            "email": "anna@example.org",
            "phone": "+4915112345678",
            "non_essential": False,
        },
    )

    saved = personal.set_preferences(personal.SetPreferences(ANNA, chosen), uow, clock())
    read = personal.read_preferences(personal.ReadPreferences(ANNA), uow, intake.settings)

    conforms(unsaved, "get_preferences")
    conforms(saved, "set_preferences")
    conforms(read, "get_preferences")


def test_subscriptions_answer_as_declared(uow, intake):
    spec = load(
        SubscriptionInput,
        {
            "event_types": ["appointments.appointment_held"],
            "filters": {"service": "passport"},
            "callback_url": "https://hooks.example.org/x",
            "secret": "sixteen-characters-at-least",
        },
    )
    command = webhooks.Subscribe(ADA, spec, "key-1")
    tests = CallbackTests()

    made = webhooks.subscribe(command, uow, clock(), intake.settings, tests)
    replayed = webhooks.subscribe(command, uow, clock(), intake.settings, tests)

    assert replayed == made
    conforms(made, "subscribe")
    conforms(replayed, "subscribe")
    conforms(webhooks.list_subscriptions(uow), "list_subscriptions")


def test_no_subscriptions_answer_as_declared(uow):
    conforms(webhooks.list_subscriptions(uow), "list_subscriptions")


def test_the_delivery_log_answers_as_declared(uow, intake):
    message_id = a_failed_mail(uow, intake)

    log = deliveries.list_deliveries(deliveries.ListDeliveries(load(DeliveryQuery, {})), uow)
    paged = deliveries.list_deliveries(
        deliveries.ListDeliveries(load(DeliveryQuery, {"limit": 1})), uow
    )
    shown = deliveries.show_delivery(deliveries.ShowDelivery(message_id), uow)
    resent = deliveries.resend(deliveries.Resend(ADA, message_id), uow, clock(), Kicks())

    assert shown["attempt_log"] and paged["next_cursor"] is not None
    conforms(log, "deliveries")
    conforms(paged, "deliveries")
    conforms(shown, "delivery")
    conforms(resent, "resend")


def test_a_purged_delivery_answers_as_declared(uow, intake):
    message_id = a_failed_mail(uow, intake)
    later = clock()
    later.advance(days=intake.settings.body_retention_days + 1)
    taking.purge_expired(uow, later, intake.settings)

    shown = deliveries.show_delivery(deliveries.ShowDelivery(message_id), uow)

    assert shown["purged"] is True and shown["text"] is None
    conforms(shown, "delivery")


def test_templates_answer_as_declared(uow, intake):
    spec = load(TemplateVersionInput, {"language": "de", "subject": "S", "body": "B"})
    values = {"service": "passport", "appointment_id": "a-1", "location": "town_hall"}
    command = templates.AddTemplateVersion(ADA, "no_show", spec, "key-2")

    listed = templates.list_templates(uow, intake)
    made = templates.add_template_version(command, uow, clock(), intake)
    replayed = templates.add_template_version(command, uow, clock(), intake)
    latest = templates.preview_template(
        templates.PreviewTemplate("checked_in", load(PreviewInput, {"values": values})),
        uow,
        intake,
    )
    first = templates.preview_template(
        templates.PreviewTemplate(
            "no_show", load(PreviewInput, {"values": values, "version": 1, "language": "en"})
        ),
        uow,
        intake,
    )

    assert replayed == made
    conforms(listed, "list_templates")
    conforms(made, "add_template_version")
    conforms(replayed, "add_template_version")
    conforms(latest, "preview_template")
    conforms(first, "preview_template")


def test_a_described_template_answers_as_declared(uow, intake):
    spec = load(TemplateVersionInput, {"language": "en", "subject": "S", "body": "B", "sms": "x"})
    templates.add_template_version(
        templates.AddTemplateVersion(ADA, "no_show", spec), uow, clock(), intake
    )

    described = templates.show_template(templates.ShowTemplate("no_show"), uow, intake)

    assert len(described["versions"]["en"]) == 2
    conforms(described, "get_template")
    conforms(templates.show_template(templates.ShowTemplate("held"), uow, intake), "get_template")
