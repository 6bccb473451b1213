"""Every consumer of an event names a contract its publisher defines: each service's event
handlers (read from nameko's entrypoints, as the container reads them), the notifications'
routing table and the staff portal's live stream of case arrivals. A typo or a renamed event
fails here instead of leaving a handler or a route that nothing ever reaches."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import yaml
from nameko.events import EventHandler
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

import services.applications.events
import services.appointments.events
import services.documents.events
import services.feedback.events
import services.notifications.events
from services.applications.service import ApplicationsService
from services.appointments.service import AppointmentsService
from services.common.events import all_contracts
from services.documents.service import DocumentsService
from services.feedback.service import FeedbackService
from services.gateway.service import GatewayService
from services.notifications.service import NotificationsService
from services.portal.staff import cases_live

EVENTS_MODULES = (
    services.applications.events,
    services.appointments.events,
    services.documents.events,
    services.feedback.events,
    services.notifications.events,
)
SERVICES = (
    ApplicationsService,
    AppointmentsService,
    DocumentsService,
    FeedbackService,
    NotificationsService,
    GatewayService,
)
ROUTING = Path(services.notifications.events.__file__).with_name("routing.yaml")
# the routing key that binds a handler to every event of a source
ALL = "#"

CONTRACTS = {(contract.source, contract.type) for contract in all_contracts()}
SOURCES = {source for source, _ in CONTRACTS}


def event_handlers() -> list[tuple[str, EventHandler]]:
    """(service.method, entrypoint) for every event handler of every service class (ours
    subclass nameko's, so a plain nameko handler is found too)."""
    found = []
    for service in SERVICES:
        for name, method in inspect.getmembers(service, inspect.isfunction):
            for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if isinstance(entrypoint, EventHandler):
                    found.append((f"{service.name}.{name}", entrypoint))
    return sorted(found, key=lambda pair: pair[0])


HANDLERS = event_handlers()


def test_every_services_events_module_defines_contracts_of_its_own_source():
    for module in EVENTS_MODULES:
        source = module.__name__.split(".")[1]
        assert source in SOURCES, f"{module.__name__} defines no contract"


def test_the_services_have_event_handlers_to_check():
    listeners = {name.split(".")[0] for name, _ in HANDLERS}
    assert {"applications", "documents", "feedback", "notifications"} <= listeners


@pytest.mark.parametrize(("name", "handler"), HANDLERS, ids=[name for name, _ in HANDLERS])
def test_every_event_handler_names_a_defined_contract(name, handler):
    source, event_type = handler.source_service, handler.event_type
    if event_type == ALL:
        assert source in SOURCES, f"{name} listens to every event of {source}, which has none"
    else:
        assert (source, event_type) in CONTRACTS, f"{name} listens to {source}.{event_type}"


def test_every_notification_route_names_a_defined_contract():
    routes = yaml.safe_load(ROUTING.read_text(encoding="utf-8"))
    assert routes
    unknown = [
        route["event"] for route in routes if tuple(route["event"].split(".", 1)) not in CONTRACTS
    ]
    assert not unknown, f"routing.yaml routes events no service defines: {unknown}"


def test_the_staff_portals_case_arrivals_follow_a_defined_contract():
    assert tuple(cases_live.ARRIVAL.split(".", 1)) in CONTRACTS
