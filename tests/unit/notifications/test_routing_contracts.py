"""The shipped routing names only events their publishers define, and the handlers listen to
exactly the publishers whose events the routing and the webhooks may take."""

from __future__ import annotations

from services.applications import events as applications_events
from services.appointments import events as appointments_events
from services.common.events import EventContract
from services.common.handlers import EventHandler
from services.documents import events as documents_events
from services.feedback import events as feedback_events
from services.notifications import catalogue
from services.notifications.service import ALL, NotificationsService
from services.notifications.settings import NotificationSettings

PUBLISHERS = (appointments_events, applications_events, documents_events, feedback_events)


def defined_contracts() -> set[str]:
    return {
        f"{value.source}.{value.type}"
        for module in PUBLISHERS
        for value in vars(module).values()
        if isinstance(value, EventContract)
    }


def test_every_shipped_routing_entry_names_a_contract_its_publisher_defines():
    shipped = catalogue.load(NotificationSettings())

    assert set(shipped.routes) <= defined_contracts()


def handlers() -> list[EventHandler]:
    return [
        entrypoint
        for name in dir(NotificationsService)
        for entrypoint in getattr(getattr(NotificationsService, name), "nameko_entrypoints", ())
        if isinstance(entrypoint, EventHandler)
    ]


def test_a_catch_all_handler_listens_to_each_publisher_the_routing_and_webhooks_may_name():
    listened = sorted((handler.source_service, handler.event_type) for handler in handlers())

    assert listened == sorted((source, ALL) for source in catalogue.SOURCES)
    assert set(catalogue.SOURCES) == {module.SOURCE for module in PUBLISHERS}


def test_taking_an_event_refuses_nothing_for_good_so_every_fault_is_retried():
    assert all(handler.permanent == () for handler in handlers())
