"""A citizen's (or clerk's) choice of channels and language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.common.context import Caller
from services.notifications import generations
from services.notifications.models import PreferenceRow
from services.notifications.settings import NotificationSettings


def read(session: Session, caller: Caller, settings: NotificationSettings) -> dict[str, Any]:
    row = session.get(PreferenceRow, caller.subject)
    if row is None:
        # what applies until they choose: e-mail (to the address they give) and the inbox
        return {
            "language": settings.default_language,
            "channels": {"email": True, "sms": False, "inbox": True},
            "email": None,
            "phone": None,
            "non_essential": True,
            "updated_at": None,
        }
    return view(row)


def write(
    session: Session, caller: Caller, chosen: dict[str, Any], now: datetime
) -> dict[str, Any]:
    row = session.get(PreferenceRow, caller.subject) or PreferenceRow(subject=caller.subject)
    row.language = chosen["language"]
    row.email_on = chosen["channels"]["email"]
    row.sms_on = chosen["channels"]["sms"]
    row.inbox_on = chosen["channels"]["inbox"]
    row.email = chosen["email"]
    row.phone = chosen["phone"]
    row.non_essential = chosen["non_essential"]
    row.updated_at = now
    session.add(row)
    session.flush()
    generations.changed(session, generations.PREFERENCES)
    return view(row)


def view(row: PreferenceRow) -> dict[str, Any]:
    return {
        "language": row.language,
        "channels": {"email": row.email_on, "sms": row.sms_on, "inbox": row.inbox_on},
        "email": row.email,
        "phone": row.phone,
        "non_essential": row.non_essential,
        "updated_at": row.updated_at.isoformat(),
    }
