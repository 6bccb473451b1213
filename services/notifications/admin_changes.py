"""An administrator's changes to the notifications service, each recorded in the audit trail
in the same transaction: a template's new version, a webhook added or removed, a message
re-sent. The trail keeps no webhook secret and no message text, only what tells the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.common import audit
from services.common.identity import Caller
from services.notifications import delivery_log, subscriptions, template_store
from services.notifications.catalogue import Catalogue
from services.notifications.models import MessageRow
from services.notifications.rendering import TemplateText

TEMPLATE, WEBHOOK, MESSAGE = "template", "webhook", "message"
RESENT = "resent"


def add_template_version(
    session: Session,
    catalogue: Catalogue,
    name: str,
    spec: dict[str, Any],
    caller: Caller,
    now: datetime,
) -> int:
    language = spec["language"]
    before = template_store.current(session, catalogue, name, language)
    made = template_store.add_version(session, catalogue, name, spec, caller, now)
    after = template_store.current(session, catalogue, name, language, made)
    audit.record(
        session,
        caller,
        now,
        entity=TEMPLATE,
        key=f"{name}/{language}",
        before=_template(before),
        after=_template(after),
    )
    return made


def _template(text: TemplateText) -> dict[str, Any]:
    return {"version": text.version, "subject": text.subject, "body": text.body, "sms": text.sms}


def subscribe(session: Session, spec: dict[str, Any], caller: Caller, now: datetime) -> str:
    subscription_id = subscriptions.add(session, spec, caller, now)
    after = _webhook(subscriptions.view_of(session, subscription_id))
    audit.record(
        session, caller, now, entity=WEBHOOK, key=subscription_id, before=None, after=after
    )
    return subscription_id


def unsubscribe(session: Session, subscription_id: str, caller: Caller, now: datetime) -> None:
    subscriptions.remove(session, subscription_id, now)
    before = _webhook(subscriptions.view_of(session, subscription_id))
    audit.record(
        session, caller, now, entity=WEBHOOK, key=subscription_id, before=before, after=None
    )


def _webhook(view: dict[str, Any]) -> dict[str, Any]:
    return {name: view[name] for name in ("event_types", "filters", "callback_url")}


def resend(session: Session, message_id: str, caller: Caller, now: datetime) -> MessageRow:
    before = _message(delivery_log.find(session, message_id))
    row = delivery_log.resend(session, message_id, now)
    audit.record(
        session,
        caller,
        now,
        entity=MESSAGE,
        key=row.id,
        before=before,
        after=_message(row),
        action=RESENT,
    )
    return row


def _message(row: MessageRow) -> dict[str, Any]:
    return {"status": row.status, "attempts": row.attempts, "channel": row.channel}
