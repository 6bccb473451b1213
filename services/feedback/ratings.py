"""Ratings of visits and cases: an invitation when one is over, then one rating each.

The invitation's link holds a token (stored as its hash) so that a citizen who booked
without an account can rate too. A rating keeps no account: the office sees how a service
and a location are rated, not who rated them.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlencode

from sqlalchemy import CursorResult, select
from sqlalchemy.orm import Session

from services.common.context import Caller
from services.common.database import Transaction, insert_ignoring_duplicates
from services.common.local_time import OFFICE_TIMEZONE
from services.feedback.errors import (
    AlreadyRated,
    InvitationExpired,
    InvitationNotFound,
    RatingOutOfRange,
)
from services.feedback.events import FEEDBACK_RATING_RECEIVED, RATING_INVITED
from services.feedback.models import InvitationRow, RatingRow
from services.feedback.settings import FeedbackSettings

SCORES = range(1, 6)


def hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(
    tx: Transaction, subject: dict[str, Any], settings: FeedbackSettings, now: datetime
) -> None:
    """Invite the citizen to rate a visit or a case, once per visit or case.

    `subject` holds subject_kind, subject_id, service, service_name, location, citizen,
    email and language. A visit or case invited before (a redelivered event) is skipped.
    """
    token = secrets.token_urlsafe(24)
    invitation = {
        "id": str(uuid.uuid4()),
        "token_hash": hashed(token),
        "subject_kind": subject["subject_kind"],
        "subject_id": subject["subject_id"],
        "citizen": subject["citizen"],
        "service": subject["service"],
        "service_name": subject["service_name"],
        "location": subject["location"],
        "language": subject["language"],
        "invited_at": now,
        "expires_at": now + timedelta(days=settings.rating_days),
    }
    statement = insert_ignoring_duplicates(tx.session, InvitationRow.__table__)
    if cast(CursorResult, tx.session.execute(statement, invitation)).rowcount == 0:
        return
    if subject["citizen"] is None and subject["email"] is None:
        return  # nobody to write to: the invitation waits for nobody
    link = f"{settings.portal_url.rstrip('/')}/feedback/rate?{urlencode({'token': token})}"
    tx.publish(
        RATING_INVITED,
        {
            "invitation_id": invitation["id"],
            "subject_kind": subject["subject_kind"],
            "subject_id": subject["subject_id"],
            "service": subject["service"],
            "service_name": subject["service_name"],
            "location": subject["location"],
            "citizen": subject["citizen"],
            "email": subject["email"],
            "language": subject["language"],
            "rate_url": link,
            # local: the mail names the day the link stops working
            "expires_at": invitation["expires_at"].astimezone(OFFICE_TIMEZONE).isoformat(),
        },
    )


def find_invitation(
    session: Session, caller: Caller, data: dict[str, Any], now: datetime
) -> InvitationRow:
    """The invitation a rating answers: by its link's token, or a signed-in citizen's own."""
    if data.get("token"):
        statement = select(InvitationRow).where(InvitationRow.token_hash == hashed(data["token"]))
    elif caller.subject and data.get("subject_kind") and data.get("subject_id"):
        statement = select(InvitationRow).where(
            InvitationRow.subject_kind == data["subject_kind"],
            InvitationRow.subject_id == str(data["subject_id"]),
            InvitationRow.citizen == caller.subject,
        )
    else:
        raise InvitationNotFound(
            "Rate with the link from the invitation (token), or signed in with the visit or "
            "case you were invited to rate (subject_kind, subject_id)."
        )
    invitation = session.scalars(statement).first()
    if invitation is None:
        raise InvitationNotFound("There is no such invitation to rate.")
    if now > invitation.expires_at:
        raise InvitationExpired(
            "This invitation to rate has expired.",
            {"expired_at": invitation.expires_at.isoformat()},
        )
    return invitation


def checked_score(score: Any) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
        raise RatingOutOfRange(
            "A rating is a whole number from 1 (bad) to 5 (very good).", {"score": score}
        )
    return score


def rate(
    tx: Transaction, invitation: InvitationRow, score: int, comment: str | None, now: datetime
) -> dict[str, Any]:
    rating = {
        "id": str(uuid.uuid4()),
        "subject_kind": invitation.subject_kind,
        "subject_id": invitation.subject_id,
        "service": invitation.service,
        "location": invitation.location,
        "score": score,
        "comment": comment,
        "rated_at": now,
    }
    statement = insert_ignoring_duplicates(tx.session, RatingRow.__table__)
    if cast(CursorResult, tx.session.execute(statement, rating)).rowcount == 0:
        raise AlreadyRated(
            "This visit or case has been rated already; one rating each.",
            {"subject_kind": invitation.subject_kind, "subject_id": invitation.subject_id},
        )
    shown = {**rating, "rated_at": now.isoformat()}
    event = {key: value for key, value in shown.items() if key != "id"}
    tx.publish(FEEDBACK_RATING_RECEIVED, {**event, "rating_id": rating["id"]})
    return {**shown, "service_name": invitation.service_name}


def invitation_view(session: Session, invitation: InvitationRow) -> dict[str, Any]:
    rated = session.scalars(
        select(RatingRow).where(
            RatingRow.subject_kind == invitation.subject_kind,
            RatingRow.subject_id == invitation.subject_id,
        )
    ).first()
    return {
        "subject_kind": invitation.subject_kind,
        "subject_id": invitation.subject_id,
        "service": invitation.service,
        "service_name": invitation.service_name,
        "location": invitation.location,
        "expires_at": invitation.expires_at.isoformat(),
        "rated": rated is not None,
    }
