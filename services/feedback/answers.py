"""What the feedback service answers: the schemas its RPCs dump every answer through
(`@rpc(answers=...)`, services.common.answers).

They are the contract: the gateway's routes and the OpenAPI document refer to them, and the
portal reads the keys they name. A field the service adds to an answer goes here too, or
the call fails wherever RPC_STRICT_ANSWERS is on; a field every answer has is required, so
one named here and missing from an answer fails too. Times are ISO 8601 with their offset.
"""

from __future__ import annotations

from marshmallow import fields

from services.common.answers import Answer, doc

_OFFICE_ONLY = doc("office only")
_AUTHOR_AND_OFFICE = doc("its author and the office only")
_CURSOR = doc("pass as `cursor` for the next page; null on the last")


class TownArea(Answer):
    """Where the portal's map opens and its address search looks."""

    name = fields.String()
    south = fields.Float(metadata=doc("the box around the town's boundary, in degrees"))
    west = fields.Float()
    north = fields.Float()
    east = fields.Float()


class QuestionView(Answer):
    key = fields.String(metadata=doc("answer it under this key in `answers`"))
    label = fields.String()
    type = fields.String(metadata={"enum": ["text", "choice", "boolean", "number"]})
    required = fields.Boolean()
    choices = fields.List(fields.String(), metadata=doc("a choice question's answers"))
    choice_names = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata=doc("what a form shows for each choice, in the language asked"),
    )


class CategoryView(Answer):
    key = fields.String(metadata=doc("name it in `category`"))
    kind = fields.String(metadata={"enum": ["report", "idea"]})
    name = fields.String()
    department = fields.String(metadata=doc("the department that handles it"))
    department_name = fields.String()
    questions = fields.List(fields.Nested(QuestionView), metadata=doc("the extra questions"))


class ItemHistoryEntry(Answer):
    status = fields.String()
    previous_status = fields.String(allow_none=True, metadata=doc("null for the submission"))
    by = fields.String(metadata={"enum": ["author", "office"]})
    actor = fields.String(allow_none=True)
    text = fields.String(allow_none=True, metadata=doc("an answer or a reason"))
    at = fields.String()


class ItemView(Answer):
    # what its author and the office see besides the public
    optional = frozenset(
        {
            *("exact_latitude", "exact_longitude", "photos", "anonymous", "hidden"),
            *("author", "email", "language", "department", "flags", "history"),
        }
    )

    id = fields.String()
    kind = fields.String(metadata={"enum": ["report", "idea"]})
    category = fields.String()
    category_name = fields.String()
    department_name = fields.String()
    title = fields.String()
    description = fields.String()
    answers = fields.Dict(keys=fields.String(), metadata=doc("to the category's questions"))
    author_name = fields.String(allow_none=True, metadata=doc("the name shown; never the account"))
    status = fields.String(
        metadata=doc("submitted, in_review, accepted, done, rejected, duplicate")
    )
    status_name = fields.String(metadata=doc("what the citizen reads"))
    latitude = fields.Float(allow_none=True, metadata=doc("the place, blurred; null for ideas"))
    longitude = fields.Float(allow_none=True)
    photo_count = fields.Integer()
    supports = fields.Integer(metadata=doc("an idea's supports"))
    me_too = fields.Integer(metadata=doc('a report\'s "me too"s'))
    official_answer = fields.String(allow_none=True)
    duplicate_of = fields.String(allow_none=True)
    submitted_at = fields.String()
    updated_at = fields.String()
    closed_at = fields.String(allow_none=True)
    following = fields.Boolean(metadata=doc("the caller follows it"))
    mine = fields.Boolean(metadata=doc("the caller is its author"))
    exact_latitude = fields.Float(allow_none=True, metadata=_AUTHOR_AND_OFFICE)
    exact_longitude = fields.Float(allow_none=True, metadata=_AUTHOR_AND_OFFICE)
    photos = fields.List(fields.String(), metadata=_AUTHOR_AND_OFFICE)
    anonymous = fields.Boolean(metadata=_AUTHOR_AND_OFFICE)
    hidden = fields.Boolean(metadata=doc("by moderation; its author and the office only"))
    author = fields.String(metadata=doc("the account; office only"))
    email = fields.String(allow_none=True, metadata=_OFFICE_ONLY)
    language = fields.String(metadata=_OFFICE_ONLY)
    department = fields.String(metadata=_OFFICE_ONLY)
    flags = fields.Integer(metadata=_OFFICE_ONLY)
    history = fields.List(
        fields.Nested(ItemHistoryEntry), metadata=doc("oldest first; office only")
    )


class Marker(Answer):
    """What a map shows of a report or idea: no account, no name, no exact place."""

    id = fields.String()
    kind = fields.String(metadata={"enum": ["report", "idea"]})
    category = fields.String()
    title = fields.String()
    status = fields.String()
    status_name = fields.String()
    latitude = fields.Float(allow_none=True, metadata=doc("blurred; null for ideas"))
    longitude = fields.Float(allow_none=True)
    me_too = fields.Integer()
    supports = fields.Integer()
    submitted_at = fields.String()


class MapPage(Answer):
    items = fields.List(fields.Nested(Marker), metadata=doc("the newest first"))
    next_cursor = fields.String(allow_none=True, metadata=_CURSOR)


class MyItem(Marker):
    hidden = fields.Boolean(metadata=doc("hidden from the public until a moderator decides"))


class WorklistEntry(Marker):
    department = fields.String()
    flags = fields.Integer()
    hidden = fields.Boolean()
    exact_latitude = fields.Float(allow_none=True, metadata=doc("null for ideas"))
    exact_longitude = fields.Float(allow_none=True)


class FeedbackWorklist(Answer):
    items = fields.List(fields.Nested(WorklistEntry), metadata=doc("the newest first"))
    next_cursor = fields.String(allow_none=True, metadata=_CURSOR)


class CommentView(Answer):
    optional = frozenset({"author", "hidden", "flags"})  # what the office sees besides

    id = fields.String()
    item_id = fields.String()
    body = fields.String()
    from_office = fields.Boolean(metadata=doc("written by the office, which speaks as one"))
    mine = fields.Boolean(metadata=doc("the caller wrote it"))
    created_at = fields.String()
    author = fields.String(metadata=_OFFICE_ONLY)
    hidden = fields.Boolean(metadata=_OFFICE_ONLY)
    flags = fields.Integer(metadata=_OFFICE_ONLY)


class CommentPage(Answer):
    comments = fields.List(fields.Nested(CommentView), metadata=doc("oldest first"))
    next_cursor = fields.String(allow_none=True, metadata=_CURSOR)


class FlagView(Answer):
    target_kind = fields.String(metadata={"enum": ["item", "comment"]})
    target_id = fields.String()
    flagged = fields.Boolean()


class InvitationView(Answer):
    subject_kind = fields.String(metadata={"enum": ["visit", "case"]})
    subject_id = fields.String(metadata=doc("the appointment or the case"))
    service = fields.String()
    service_name = fields.String()
    location = fields.String(allow_none=True, metadata=doc("a visit's location; null for a case"))
    expires_at = fields.String()
    rated = fields.Boolean(metadata=doc("it has its rating already"))


class RatingView(Answer):
    id = fields.String()
    subject_kind = fields.String(metadata={"enum": ["visit", "case"]})
    subject_id = fields.String()
    service = fields.String()
    service_name = fields.String()
    location = fields.String(allow_none=True)
    score = fields.Integer(metadata=doc("1 (bad) to 5 (very good)"))
    comment = fields.String(allow_none=True)
    rated_at = fields.String()


class ModerationEntry(Answer):
    target_kind = fields.String(metadata={"enum": ["item", "comment"]})
    target_id = fields.String()
    item_id = fields.String()
    text = fields.String()
    author = fields.String(metadata=doc("the account"))
    flags = fields.Integer()
    hidden = fields.Boolean()


class ModerationQueue(Answer):
    entries = fields.List(fields.Nested(ModerationEntry), metadata=doc("the most flagged first"))


class ModerationLogEntry(Answer):
    action = fields.String(metadata={"enum": ["auto_hidden", "hidden", "edited", "restored"]})
    moderator = fields.String(allow_none=True, metadata=doc("null when flags hid it"))
    reason = fields.String(allow_none=True)
    before = fields.Dict(allow_none=True, metadata=doc("an edit's text it replaced"))
    after = fields.Dict(allow_none=True, metadata=doc("an edit's new text"))
    at = fields.String()


class ModeratedView(ItemView):
    """The item (or the comment: its fields instead) as the office sees it, with its log."""

    optional = frozenset(
        {*ItemView._declared_fields, "item_id", "body", "from_office", "created_at"}
    ) - {"id", "mine"}

    item_id = fields.String(metadata=doc("a comment's item"))
    body = fields.String(metadata=doc("a comment's text"))
    from_office = fields.Boolean()
    created_at = fields.String()
    moderation = fields.List(fields.Nested(ModerationLogEntry), metadata=doc("oldest first"))


class DuplicateView(Answer):
    id = fields.String()
    title = fields.String()
    submitted_at = fields.String()


class OfficeItemView(ItemView):
    """An item the office works, with what it decides on next."""

    moderation = fields.List(fields.Nested(ModerationLogEntry), metadata=doc("oldest first"))
    duplicates = fields.List(
        fields.Nested(DuplicateView), metadata=doc("merged into it or closed as its duplicates")
    )
    next_statuses = fields.List(fields.String(), metadata=doc("the statuses it may move to"))


class BanView(Answer):
    account = fields.String()
    reason = fields.String()
    banned_by = fields.String()
    banned_at = fields.String()


class RatingFigure(Answer):
    period = fields.String(metadata=doc("2026-11 for a month, 2026-W47 for a week"))
    subject_kind = fields.String(metadata={"enum": ["visit", "case"]})
    service = fields.String()
    location = fields.String(allow_none=True)
    ratings = fields.Integer()
    average = fields.Float()


class ItemCount(Answer):
    kind = fields.String()
    category = fields.String()
    status = fields.String()
    count = fields.Integer()


class CategoryTimeToAnswer(Answer):
    category = fields.String()
    median_hours = fields.Float(allow_none=True)
    answered = fields.Integer()
    unanswered = fields.Integer()


class TimeToAnswer(Answer):
    median_hours = fields.Float(allow_none=True, metadata=doc("submission to first answer"))
    answered = fields.Integer()
    unanswered = fields.Integer()
    per_category = fields.List(fields.Nested(CategoryTimeToAnswer))


# its first two keys are Python's keywords: a schema built from a dict names them
Figures = Answer.from_dict(
    {
        "from": fields.String(),
        "to": fields.String(),
        "period": fields.String(metadata={"enum": ["week", "month"]}),
        "ratings": fields.List(
            fields.Nested(RatingFigure), metadata=doc("per period, service and location")
        ),
        "items": fields.List(fields.Nested(ItemCount), metadata=doc("submitted in the window")),
        "time_to_answer": fields.Nested(TimeToAnswer),
    },
    name="Figures",
)


# Open311 GeoReport v2: the shapes its clients read, unchanged


class Open311Service(Answer):
    service_code = fields.String()
    service_name = fields.String()
    description = fields.String()
    metadata = fields.Boolean(metadata=doc("it has attributes: see its definition"))
    type = fields.String(metadata={"enum": ["realtime"]})
    keywords = fields.String()
    group = fields.String(metadata=doc("the department"))


class Open311Value(Answer):
    key = fields.String()
    name = fields.String()


class Open311Attribute(Answer):
    variable = fields.Boolean()
    code = fields.String()
    datatype = fields.String(metadata={"enum": ["string", "number", "singlevaluelist"]})
    required = fields.Boolean()
    datatype_description = fields.String()
    order = fields.Integer()
    description = fields.String()
    values = fields.List(fields.Nested(Open311Value))


class Open311Definition(Answer):
    service_code = fields.String()
    attributes = fields.List(fields.Nested(Open311Attribute))


class Open311Request(Answer):
    service_request_id = fields.String()
    status = fields.String(metadata={"enum": ["open", "closed"]})
    status_notes = fields.String(metadata=doc("the official answer"))
    service_name = fields.String()
    service_code = fields.String()
    description = fields.String()
    agency_responsible = fields.String()
    service_notice = fields.String()
    requested_datetime = fields.String()
    updated_datetime = fields.String()
    expected_datetime = fields.String(allow_none=True)
    address = fields.String()
    address_id = fields.String()
    zipcode = fields.String()
    lat = fields.Float(allow_none=True, metadata=doc("blurred"))
    long = fields.Float(allow_none=True, metadata=doc("blurred"))
    media_url = fields.String()


class Open311Endpoint(Answer):
    specification = fields.String(metadata=doc("http://wiki.open311.org/GeoReport_v2"))
    url = fields.String(metadata=doc("the endpoint; add /services.json and so on"))
    changeset = fields.String(metadata=doc("when the services or their definitions changed"))
    type = fields.String(metadata={"enum": ["production", "test"]})
    formats = fields.List(fields.String(), metadata=doc("application/json and text/xml"))


class Open311Discovery(Answer):
    changeset = fields.String()
    contact = fields.String()
    key_service = fields.String(metadata=doc("no key is needed to read"))
    endpoints = fields.List(fields.Nested(Open311Endpoint))
