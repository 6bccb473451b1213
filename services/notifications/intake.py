"""An event made into messages, in the same transaction that records it as handled.

For each routing entry that applies, the recipients are worked out and each gets the
template rendered in their language on each of their channels; every active webhook
subscription whose event types and filters match gets the event's public attributes.
An event about a report or an idea lists its `recipients` (author, followers): each of them
is written to as the one citizen of an appointment's event is, with their own preferences.
Each message's key (event, channel, recipient) is unique: a redelivered event, or the same
event at another instance, makes nothing twice; two followers are two recipients.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult
from sqlalchemy.orm import Session

# the publishers whose events are taken here, imported by name: their events modules define
# the contracts `find_contract` looks up by an event's source and type
from services.applications import events as applications_events  # noqa: F401
from services.appointments import events as appointments_events  # noqa: F401
from services.common.database import Transaction, insert_ignoring_duplicates
from services.common.events import Event, find_contract
from services.common.tracing import TRACEPARENT_KEY, current_traceparent
from services.documents import events as documents_events  # noqa: F401
from services.feedback import events as feedback_events  # noqa: F401
from services.notifications.catalogue import (
    ADMINS,
    RECIPIENTS,
    Catalogue,
    InboxOwner,
    Route,
    account_inbox,
    role_queue,
)
from services.notifications.events import CLERK_QUEUE_ITEM_ADDED, NOTIFICATION_SENT
from services.notifications.lookups import Lookups, Subscription, View
from services.notifications.models import InboxItemRow, MessageRow
from services.notifications.outcomes import CREATED, DELIVERED
from services.notifications.recipients import Recipient, for_citizen
from services.notifications.rendering import Rendered, TemplateText, render
from services.notifications.settings import NotificationSettings
from services.notifications.webhooks import encode_body

DISPATCHED = ("email", "sms", "webhook")
ICS_NAMES = {"de": "termin.ics", "en": "appointment.ics"}


@dataclass(frozen=True)
class Intake:
    catalogue: Catalogue
    settings: NotificationSettings
    office: str
    # templates, subscriptions and preferences, kept while they do not change
    lookups: Lookups = field(default_factory=Lookups, compare=False)


def jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def take(tx: Transaction, event: Event, source: str, intake: Intake, now: datetime) -> int:
    """Write the messages an event asks for; how many wait to be sent (not inbox items)."""
    key = f"{source}.{event.type}"
    contract = find_contract(source, event.type, event.version)
    payload = jsonable(event.payload)
    public = contract.thin(payload)
    view = intake.lookups.view(tx.session)
    waiting = 0
    for route in intake.catalogue.routes_for(key):
        if not route.applies_to(payload):
            continue
        if route.shared:
            _queue_item(tx, view, event, key, route, public, intake, now)
        elif route.to == ADMINS:
            waiting += _to_admins(tx, view, event, key, route, payload, intake, now)
        else:
            persons = people(route, payload)
            waiting += _to_people(tx, view, event, key, route, persons, public, intake, now)
    waiting += _to_subscribers(tx.session, view.subscriptions(), event, key, public, now)
    return waiting


def people(route: Route, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The values each person's message is rendered from: the event's citizen; or for each
    of its recipients the event's attributes (without the list) and their own."""
    if route.to != RECIPIENTS:
        return [dict(payload)]
    common = {name: value for name, value in payload.items() if name != RECIPIENTS}
    return [{**common, **person} for person in payload.get(RECIPIENTS) or ()]


def _to_people(
    tx, view: View, event, key, route: Route, persons, public, intake: Intake, now
) -> int:
    session = tx.session
    preferences = view.preferences({person.get("citizen") for person in persons} - {None})
    templates: dict[str, TemplateText] = {}  # by language: looked up once per event
    waiting = 0
    for person in persons:
        preference = preferences.get(person.get("citizen"))
        recipients = for_citizen(route, person, preference, intake.settings.default_language)
        if not recipients:
            continue
        # one person, one language: rendered once for all their channels
        language = recipients[0].language
        if language not in templates:
            templates[language] = view.template(intake.catalogue, route.template, language)
        template = templates[language]
        rendered = render(template, {"office": intake.office, **person}, office=intake.office)
        for recipient in recipients:
            message = _base(event, key, recipient.channel, recipient.address, now)
            message.update(
                template=template.name,
                template_version=template.version,
                language=template.language,
                essential=route.essential,
                # the public facts travel on to notification_sent: who was told about which case
                content={**_content(recipient, rendered, route, person), "facts": public},
            )
            if recipient.channel == "inbox":
                if _add(session, message, delivered=True):
                    owner = account_inbox(recipient.address)
                    _inbox_item(session, owner, event, key, rendered, now)
                    tx.publish(NOTIFICATION_SENT, message_facts(message, attempts=0))
            elif _add(session, message):
                waiting += 1
    return waiting


def _to_admins(tx, view: View, event, key, route: Route, payload, intake: Intake, now) -> int:
    language = intake.settings.default_language
    template = view.template(intake.catalogue, route.template, language)
    rendered = render(template, {"office": intake.office, **payload}, office=intake.office)
    return alert_admins(tx, event.event_id, key, rendered, template.name, intake, now)


def alert_admins(
    tx: Transaction,
    event_id: uuid.UUID,
    key: str,
    rendered: Rendered,
    template: str | None,
    intake: Intake,
    now: datetime,
    *,
    is_alert: bool = False,
) -> int:
    """The admins' shared inbox, and their e-mail address when one is configured."""
    _inbox_item(tx.session, role_queue("admin"), _Trigger(event_id), key, rendered, now)
    if not intake.settings.admin_email:
        return 0
    message = _base(_Trigger(event_id), key, "email", intake.settings.admin_email, now)
    recipient = Recipient("email", intake.settings.admin_email, None, "de")
    message.update(
        template=template,
        language=intake.settings.default_language,
        is_alert=is_alert,
        content=_content(recipient, rendered, None, {}),
    )
    return 1 if _add(tx.session, message) else 0


@dataclass(frozen=True)
class _Trigger:
    event_id: uuid.UUID


def _queue_item(tx, view: View, event, key, route: Route, public, intake: Intake, now) -> None:
    """An item in a clerks' queue (a role's or a department's), written from public facts
    only, and broadcast."""
    template = view.template(intake.catalogue, route.template, intake.settings.default_language)
    rendered = render(template, {"office": intake.office, **public}, office=intake.office)
    owner, role, department = route.queue_of(public)
    item_id = _inbox_item(tx.session, owner, event, key, rendered, now)
    if item_id is not None:
        item = {
            "item_id": item_id,
            "role": role,
            "event_id": str(event.event_id),
            "event_type": key,
            "title": rendered.subject,
            "facts": public,
            "created_at": now.isoformat(),
        }
        if department is not None:  # absent for a role's items, as before departments
            item["department"] = department
        tx.publish(CLERK_QUEUE_ITEM_ADDED, item)


def _to_subscribers(
    session: Session, subscriptions: tuple[Subscription, ...], event, key, public, now
) -> int:
    waiting = 0
    for subscription in subscriptions:
        if not matches(subscription.event_types, subscription.filters, key, public):
            continue
        body = {
            "event_id": str(event.event_id),
            "event_type": key,
            "occurred_at": event.occurred_at.isoformat(),
            "subscription_id": subscription.id,
            "data": public,
        }
        message = _base(event, key, "webhook", subscription.id, now)
        message["content"] = {
            "facts": public,
            "url": subscription.callback_url,
            "body": encode_body(body).decode(),
        }
        waiting += 1 if _add(session, message) else 0
    return waiting


def matches(
    event_types: Collection[str], filters: Mapping[str, str], key: str, public: Mapping[str, Any]
) -> bool:
    if key not in event_types:
        return False
    for name, wanted in filters.items():
        if name not in public:
            return False
        if wanted != "*" and _as_text(public[name]) != wanted:
            return False
    return True


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _base(event, key: str, channel: str, recipient: str, now: datetime) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "dedupe_key": f"{event.event_id}:{channel}:{recipient}",
        "event_id": str(event.event_id),
        "event_type": key,
        "channel": channel,
        "recipient": recipient,
        "template": None,
        "template_version": None,
        "language": None,
        "essential": True,
        "is_alert": False,
        "status": CREATED,
        "final": False,
        "attempts": 0,
        "retry_from": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


def _add(session: Session, message: dict[str, Any], *, delivered: bool = False) -> bool:
    if delivered:
        message.update(status=DELIVERED, final=True, delivered_at=message["created_at"])
    elif (traceparent := current_traceparent()) is not None:
        # the handler run's span: the dispatcher sends the message as its child
        message["content"] = {**message["content"], TRACEPARENT_KEY: traceparent}
    statement = insert_ignoring_duplicates(session, MessageRow.__table__)
    return cast(CursorResult, session.execute(statement, message)).rowcount == 1


def _content(
    recipient: Recipient, rendered: Rendered, route: Route | None, payload: Mapping[str, Any]
) -> dict[str, Any]:
    if recipient.channel == "sms":
        return {"text": rendered.sms}
    content: dict[str, Any] = {"subject": rendered.subject, "text": rendered.text}
    if recipient.channel == "email":
        content["html"] = rendered.html
        calendar = payload.get(route.attach) if route and route.attach else None
        if calendar:
            content["attachments"] = [
                {
                    "filename": ICS_NAMES.get(recipient.language, "appointment.ics"),
                    "media_type": "text/calendar",
                    "content": calendar,
                }
            ]
    return content


def _inbox_item(
    session: Session, owner: InboxOwner, event, key: str, rendered: Rendered, now
) -> str | None:
    item_id = str(uuid.uuid4())
    row = {
        "id": item_id,
        "owner_kind": owner.kind,
        "owner": owner.name,
        "event_id": str(event.event_id),
        "event_type": key,
        "title": rendered.subject[:300],
        "body": rendered.text,
        "created_at": now,
    }
    inserted = session.execute(insert_ignoring_duplicates(session, InboxItemRow.__table__), row)
    return item_id if cast(CursorResult, inserted).rowcount == 1 else None


def message_facts(message: Mapping[str, Any], *, attempts: int) -> dict[str, Any]:
    """What notification_sent and notification_failed say of a message: no address, no text."""
    return {
        "message_id": message["id"],
        "event_id": message["event_id"],
        "event_type": message["event_type"],
        "channel": message["channel"],
        "template": message["template"],
        "attempts": attempts,
        "facts": message["content"].get("facts", {}),
    }
