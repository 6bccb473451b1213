"""The events of feedback and participation, and what their payloads hold.

Who hears of an item's news is the feedback service's business: an event about a report
or an idea names its `recipients` (the author and the followers, each with account,
address and language), and the notifications service writes to each of them. Recipients,
titles, descriptions and comments are personal or citizens' own words: they never leave
the platform (webhooks and the clerks' stream carry the `public` attributes only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from marshmallow import Schema, fields, validate

from services.common.events import EventContract, TypedEvent, define_event
from services.common.language import language_field

SOURCE = "feedback"
KINDS = ("report", "idea")


class Recipient(Schema):
    citizen = fields.String(
        required=True, allow_none=True, metadata={"description": "personal: the account"}
    )
    email = fields.Email(
        required=True, allow_none=True, metadata={"description": "personal: stays inside"}
    )
    language = language_field(required=True)


class ItemFacts(Schema):
    item_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    category = fields.String(required=True, metadata={"description": "the category's key"})
    department = fields.String(
        required=True, metadata={"description": "the clerks' department the category goes to"}
    )
    title = fields.String(required=True, metadata={"description": "as the citizen wrote it"})


class Submitted(ItemFacts):
    status = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True)
    public_latitude = fields.Float(
        required=True, allow_none=True, metadata={"description": "blurred; null for ideas"}
    )
    public_longitude = fields.Float(
        required=True, allow_none=True, metadata={"description": "blurred; null for ideas"}
    )
    recipients = fields.List(
        fields.Nested(Recipient), required=True, metadata={"description": "personal: the author"}
    )
    author = fields.String(required=True, metadata={"description": "personal: the account"})
    photos = fields.List(
        fields.UUID(),
        required=True,
        metadata={"description": "the author's photo documents, filed for the office to see"},
    )


class StatusChanged(ItemFacts):
    status = fields.String(required=True)
    previous_status = fields.String(required=True)
    status_de = fields.String(required=True, metadata={"description": "the status's German name"})
    status_en = fields.String(required=True, metadata={"description": "the status's English name"})
    answered = fields.Boolean(
        required=True,
        metadata={"description": "an official answer came with it (and has its own event)"},
    )
    changed_at = fields.AwareDateTime(required=True)
    recipients = fields.List(
        fields.Nested(Recipient),
        required=True,
        metadata={"description": "personal: the author and the followers"},
    )


class OfficialAnswer(ItemFacts):
    status = fields.String(required=True)
    status_de = fields.String(required=True)
    status_en = fields.String(required=True)
    answer = fields.String(required=True, metadata={"description": "the town's answer"})
    answered_at = fields.AwareDateTime(required=True)
    recipients = fields.List(
        fields.Nested(Recipient),
        required=True,
        metadata={"description": "personal: the author and the followers"},
    )


class IdeaSupported(Schema):
    item_id = fields.UUID(required=True)
    category = fields.String(required=True)
    supports = fields.Integer(required=True, metadata={"description": "supports, this included"})
    supported_at = fields.AwareDateTime(required=True)


class RatingInvited(Schema):
    invitation_id = fields.UUID(required=True)
    subject_kind = fields.String(required=True, validate=validate.OneOf(("visit", "case")))
    subject_id = fields.UUID(required=True, metadata={"description": "appointment or case id"})
    service = fields.String(
        required=True, metadata={"description": "the appointment's service or application type"}
    )
    service_name = fields.String(required=True, metadata={"description": "in their language"})
    location = fields.String(required=True, allow_none=True)
    citizen = fields.String(
        required=True, allow_none=True, metadata={"description": "personal: the account"}
    )
    email = fields.Email(
        required=True, allow_none=True, metadata={"description": "personal: stays inside"}
    )
    language = language_field(required=True)
    rate_url = fields.Url(
        required=True, require_tld=False, metadata={"description": "secret: the rating link"}
    )
    expires_at = fields.AwareDateTime(required=True)


class RatingReceived(Schema):
    rating_id = fields.UUID(required=True)
    subject_kind = fields.String(required=True, validate=validate.OneOf(("visit", "case")))
    subject_id = fields.UUID(required=True)
    service = fields.String(required=True)
    location = fields.String(required=True, allow_none=True)
    score = fields.Integer(required=True, validate=validate.Range(1, 5))
    comment = fields.String(
        required=True, allow_none=True, metadata={"description": "the citizen's words"}
    )
    rated_at = fields.AwareDateTime(required=True)


class ContentHidden(Schema):
    target_kind = fields.String(required=True, validate=validate.OneOf(("item", "comment")))
    target_id = fields.String(required=True, metadata={"description": "item id or comment id"})
    item_id = fields.UUID(required=True, metadata={"description": "the item, or the comment's"})
    flags = fields.Integer(required=True)
    hidden_by = fields.String(
        required=True,
        validate=validate.OneOf(("flags", "moderator")),
        metadata={"description": "flags: hidden until a moderator decides"},
    )
    hidden_at = fields.AwareDateTime(required=True)


class Merge(Schema):
    item_id = fields.UUID(required=True, metadata={"description": "the item kept"})
    duplicate_id = fields.UUID(
        required=True, metadata={"description": "the duplicate, now closed and pointing at it"}
    )
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    category = fields.String(required=True, metadata={"description": "the kept item's"})
    department = fields.String(required=True, metadata={"description": "the kept item's"})
    followers_carried = fields.Integer(
        required=True, metadata={"description": "followers of the duplicate who now follow it"}
    )
    me_too_carried = fields.Integer(
        required=True,
        metadata={"description": '"me too"s it gained: the duplicate\'s author and theirs'},
    )
    supports_carried = fields.Integer(required=True, metadata={"description": "ideas: supports"})
    me_too = fields.Integer(required=True, metadata={"description": '"me too"s, these included'})
    supports = fields.Integer(required=True, metadata={"description": "supports, these included"})
    merged_at = fields.AwareDateTime(required=True)


_ITEM = ("item_id", "kind", "category", "department")

REPORT_SUBMITTED = define_event(
    SOURCE,
    "report_submitted",
    Submitted,
    description="A citizen reported a problem in town; its category's department has it.",
    public=(*_ITEM, "status", "submitted_at", "public_latitude", "public_longitude"),
)
IDEA_SUBMITTED = define_event(
    SOURCE,
    "idea_submitted",
    Submitted,
    description="A citizen proposed an idea; its category's department has it.",
    public=(*_ITEM, "status", "submitted_at"),
)
REPORT_STATUS_CHANGED = define_event(
    SOURCE,
    "report_status_changed",
    StatusChanged,
    description="A report moved to another status; its author and followers hear of it.",
    public=(*_ITEM, "status", "previous_status", "answered", "changed_at"),
)
IDEA_STATUS_CHANGED = define_event(
    SOURCE,
    "idea_status_changed",
    StatusChanged,
    description="An idea moved to another status; its author and followers hear of it.",
    public=(*_ITEM, "status", "previous_status", "answered", "changed_at"),
)
OFFICIAL_ANSWER_PUBLISHED = define_event(
    SOURCE,
    "official_answer_published",
    OfficialAnswer,
    description="The town answered a report or an idea; its author and followers hear of it.",
    public=(*_ITEM, "status", "answered_at"),
)
IDEA_SUPPORTED = define_event(
    SOURCE,
    "idea_supported",
    IdeaSupported,
    description="A citizen supported an idea (who did stays inside the feedback service).",
    public=("item_id", "category", "supports", "supported_at"),
)
RATING_INVITED = define_event(
    SOURCE,
    "rating_invited",
    RatingInvited,
    description="A visit or a case is over: the citizen is invited to rate it, once.",
    public=("invitation_id", "subject_kind", "service", "location"),
)
FEEDBACK_RATING_RECEIVED = define_event(
    SOURCE,
    "feedback_rating_received",
    RatingReceived,
    description="A citizen rated a visit or a case (1-5).",
    public=("rating_id", "subject_kind", "service", "location", "score", "rated_at"),
)
CONTENT_HIDDEN = define_event(
    SOURCE,
    "content_hidden",
    ContentHidden,
    description="A report, idea or comment was hidden: by flags until a moderator decides, "
    "or by a moderator.",
    public=("target_kind", "target_id", "item_id", "flags", "hidden_by", "hidden_at"),
)


# what an item publishes, by its kind
SUBMITTED = {"report": REPORT_SUBMITTED, "idea": IDEA_SUBMITTED}
STATUS_CHANGED = {"report": REPORT_STATUS_CHANGED, "idea": IDEA_STATUS_CHANGED}


@dataclass(frozen=True)
class ItemMerged(TypedEvent):
    item_id: str
    duplicate_id: str
    kind: str
    category: str
    department: str
    followers_carried: int
    me_too_carried: int
    supports_carried: int
    me_too: int
    supports: int
    merged_at: datetime

    contract: ClassVar[EventContract] = define_event(
        SOURCE,
        "item_merged",
        Merge,
        description="The office merged a duplicate into the report or idea it repeats: the "
        'duplicate\'s followers, "me too"s and supports now count on the one kept, and the '
        "duplicate is closed pointing at it (its own report_status_changed tells its followers).",
        public=tuple(Merge().fields),
    )
