"""The templates and the routing, read from their YAML files and checked at start.

A routing entry that names an unknown event, template, recipient or attribute stops the
service at start, not at the first event; so does one that routes to a department or to
recipients an event does not carry. Templates ship as version 1; versions admins
add live in the database and the newest one is used.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from marshmallow import fields as schema_fields
from nameko.exceptions import ConfigurationError

from services.applications import events as applications_events
from services.appointments import events as appointments_events
from services.common.events import EventContract, InvalidEvent, find_contract
from services.common.language import LANGUAGES
from services.documents import events as documents_events
from services.feedback import events as feedback_events
from services.notifications.rendering import TemplateText
from services.notifications.settings import NotificationSettings

HERE = Path(__file__).parent
# the services whose events the notifications service takes (its handlers, the routing, the
# webhooks): their events modules, imported by name, define every contract looked up here
SOURCES = (
    appointments_events.SOURCE,
    applications_events.SOURCE,
    documents_events.SOURCE,
    feedback_events.SOURCE,
)
CITIZEN_CHANNELS = ("email", "sms", "inbox")
# every template may use these besides its events' attributes
COMMON_VALUES = frozenset({"office"})
ALERT_TEMPLATE = "delivery_failed"
ALERT_VALUES = frozenset({"message_id", "event_type", "channel", "status", "reason", "attempts"})
# what `to` may name besides role:<role>; `recipients` and `department` are also the names
# of the event attributes they read
CITIZEN, RECIPIENTS, ADMINS, DEPARTMENT = "citizen", "recipients", "admins", "department"
TARGETS = (CITIZEN, RECIPIENTS, ADMINS, DEPARTMENT)
# what each entry of an event's recipients holds: the values of a citizen recipient
PERSON_VALUES = frozenset({"citizen", "email", "language"})
# the clerks a department's items are for (admins see every item anyway)
DEPARTMENT_ROLE = "clerk"
# who has a department's item whose event names no department (recorded before its source
# named them): no clerk's queue is known to be right, and admins see every department's
UNPLACED_ROLE = "admin"
# how `to` names a role's queue in the routing
ROLE_TARGET = "role:"
# the kinds of inbox owner: a caller's own account, or a queue the office shares
ACCOUNT_OWNER, ROLE_OWNER, DEPARTMENT_OWNER = "account", "role", "department"


@dataclass(frozen=True)
class InboxOwner:
    """Whose inbox an item is in. The kind is kept beside the name, never spelled into it,
    so no subject (whatever it spells, `role:clerk` included) names a shared queue."""

    kind: str
    name: str

    @property
    def shared(self) -> bool:
        return self.kind != ACCOUNT_OWNER


def account_inbox(subject: str) -> InboxOwner:
    return InboxOwner(ACCOUNT_OWNER, subject)


def role_queue(role: str) -> InboxOwner:
    return InboxOwner(ROLE_OWNER, role)


def department_queue(department: str) -> InboxOwner:
    return InboxOwner(DEPARTMENT_OWNER, department)


@dataclass(frozen=True)
class Route:
    event: str  # source.type
    template: str
    to: str  # citizen | recipients | admins | department | role:<role>
    essential: bool = True
    channels: tuple[str, ...] = CITIZEN_CHANNELS
    attach: str | None = None
    when: Mapping[str, Any] = field(default_factory=dict)

    @property
    def role(self) -> str | None:
        return self.to.removeprefix(ROLE_TARGET) if self.to.startswith(ROLE_TARGET) else None

    @property
    def shared(self) -> bool:
        """A queue the office shares (a role's, a department's): public facts only."""
        return self.role is not None or self.to == DEPARTMENT

    def queue_of(self, public: Mapping[str, Any]) -> tuple[InboxOwner, str, str | None]:
        """The queue's owner, the role its items are for and their department (if any)."""
        if self.to == DEPARTMENT:
            department = public.get(DEPARTMENT)
            if department is None:
                return role_queue(UNPLACED_ROLE), UNPLACED_ROLE, None
            return department_queue(str(department)), DEPARTMENT_ROLE, str(department)
        return role_queue(str(self.role)), str(self.role), None

    def applies_to(self, payload: Mapping[str, Any]) -> bool:
        return all(payload.get(name) == value for name, value in self.when.items())


@dataclass(frozen=True)
class Catalogue:
    routes: dict[str, list[Route]]
    templates: dict[str, dict[str, TemplateText]]  # name -> language -> version 1

    def routes_for(self, event_key: str) -> list[Route]:
        return self.routes.get(event_key, [])

    def builtin(self, name: str, language: str) -> TemplateText | None:
        return self.templates.get(name, {}).get(language)

    def events_of(self, template: str) -> list[str]:
        return sorted(
            {r.event for rs in self.routes.values() for r in rs if r.template == template}
        )

    def values_of(self, template: str) -> frozenset[str]:
        """The placeholders a template may use: what every event routed to it supplies."""
        if template == ALERT_TEMPLATE:
            return ALERT_VALUES | COMMON_VALUES
        names: set[str] = set()
        for rs in self.routes.values():
            for route in rs:
                if route.template == template:
                    names |= values_of_event(route, contract_of(route.event))
        return frozenset(names) | COMMON_VALUES


def contract_of(event_key: str) -> EventContract:
    source, _, event_type = event_key.partition(".")
    return find_contract(source, event_type, 1)


def values_of_event(route: Route, contract: EventContract) -> set[str]:
    """What a message of this route is rendered from: a shared queue's item from the public
    attributes; each recipient's message from the event's and their own (not the list)."""
    if route.shared:
        return set(contract.public)
    names = set(contract.schema().fields)
    if route.to == RECIPIENTS:
        return (names - {RECIPIENTS}) | PERSON_VALUES
    return names


def has_recipients(contract: EventContract) -> bool:
    """Whether the event carries a `recipients` list whose entries name citizen, email and
    language, as a citizen recipient is named."""
    listed = contract.schema().fields.get(RECIPIENTS)
    if not isinstance(listed, schema_fields.List):
        return False
    entry = listed.inner
    return isinstance(entry, schema_fields.Nested) and set(entry.schema.fields) >= PERSON_VALUES


def load(settings: NotificationSettings) -> Catalogue:
    templates = _templates(_read(settings.templates_file or HERE / "templates.yaml"))
    routes: dict[str, list[Route]] = defaultdict(list)
    for entry in _read(settings.routing_file or HERE / "routing.yaml"):
        route = _route(entry, templates)
        routes[route.event].append(route)
    return Catalogue(dict(routes), templates)


def _read(path: str | Path) -> Any:
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigurationError(f"Cannot read {path}: {error}") from error


def _templates(document: Mapping[str, Any]) -> dict[str, dict[str, TemplateText]]:
    templates: dict[str, dict[str, TemplateText]] = {}
    for name, spec in document.items():
        links = frozenset(spec.get("links", ()))
        missing = [language for language in LANGUAGES if language not in spec]
        if missing:
            raise ConfigurationError(f"Template {name} lacks the languages {missing}.")
        templates[name] = {
            language: TemplateText(
                name=name,
                language=language,
                version=1,
                subject=spec[language]["subject"],
                body=spec[language]["body"],
                sms=spec[language].get("sms"),
                links=links,
            )
            for language in LANGUAGES
        }
    if ALERT_TEMPLATE not in templates:
        raise ConfigurationError(f"The template {ALERT_TEMPLATE} (admins' alerts) is needed.")
    return templates


def _route(entry: Mapping[str, Any], templates: Mapping[str, Any]) -> Route:
    where = f"routing entry {dict(entry)}"
    try:
        route = Route(
            event=entry["event"],
            template=entry["template"],
            to=entry["to"],
            essential=bool(entry.get("essential", True)),
            channels=tuple(entry.get("channels", CITIZEN_CHANNELS)),
            attach=entry.get("attach"),
            when=dict(entry.get("when") or {}),
        )
    except KeyError as error:
        raise ConfigurationError(f"{where}: {error} is missing.") from None
    try:
        contract = contract_of(route.event)
    except InvalidEvent:
        raise ConfigurationError(f"{where}: no event {route.event} is published.") from None
    if route.template not in templates:
        raise ConfigurationError(f"{where}: no template {route.template}.")
    if route.to not in TARGETS and not (route.role and route.role.strip()):
        raise ConfigurationError(
            f"{where}: `to` is citizen, recipients, admins, department or role:<role>."
        )
    if route.to == DEPARTMENT and DEPARTMENT not in contract.public:
        raise ConfigurationError(f"{where}: {route.event} names no public department.")
    if route.to == RECIPIENTS and not has_recipients(contract):
        raise ConfigurationError(
            f"{where}: {route.event} has no recipients list (citizen, email, language)."
        )
    if set(route.channels) - set(CITIZEN_CHANNELS):
        raise ConfigurationError(f"{where}: channels are among {CITIZEN_CHANNELS}.")
    known = set(contract.schema().fields)
    unknown = ({route.attach} if route.attach else set()) | set(route.when)
    if unknown - known:
        raise ConfigurationError(f"{where}: {route.event} has no {sorted(unknown - known)}.")
    return route
