"""The feedback routes' answers, as the gateway gives them, and the few requests it adapts.

Most bodies and queries are the feedback service's own input schemas (it owns every rule).
Where the gateway adds something (the solved challenge, the language of the answer) or a
value must travel as the text it came as (ids, dates), a request schema here extends the
service's and loads into the keys the service loads. Times are ISO 8601 with their offset.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from services.common.loading import Strict
from services.feedback import schemas as inputs
from services.feedback.catalogue import LANGUAGES
from services.gateway.appointment_schemas import IsoDate, IsoDateTime
from services.gateway.schemas import doc

_LANGUAGE = doc("the language of names and statuses in the answer; de unless asked")
_ALTCHA = doc(
    "The solved challenge (GET /api/v1/feedback/challenge): the ALTCHA widget's base64 "
    "payload. Without it the answer is challenge_required."
)
_OFFICE_ONLY = doc("office only")
_AUTHOR_AND_OFFICE = doc("its author and the office only")
_CURSOR = doc("pass as `cursor` for the next page; null on the last")


def _language() -> fields.String:
    return fields.String(load_default="de", validate=validate.OneOf(LANGUAGES), metadata=_LANGUAGE)


class UuidString(fields.UUID):
    """A UUID, checked, kept as the text it came as (it travels on as JSON)."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return str(super()._deserialize(value, attr, data, **kwargs))


class _AsSent:
    """Loads into the keys the client sent (`from`, not `since`): what the service loads."""

    @post_load
    def as_sent(self, data: dict[str, Any], **kwargs) -> dict[str, Any]:
        return {self.fields[name].data_key or name: value for name, value in data.items()}


# requests ---------------------------------------------------------------------------


class LanguageQuery(Schema):
    language = _language()


class ReportRequest(inputs.ReportInput):
    """A report of a problem at a place in town, with its solved challenge."""

    class Meta(Strict.Meta):
        exclude = ("challenge",)  # the gateway sets it from `altcha`

    photos = fields.List(
        UuidString(),
        load_default=list,
        validate=validate.Length(max=50),
        metadata=doc("the caller's own uploads of document type report_photo"),
    )
    altcha = fields.String(metadata=_ALTCHA)


class IdeaRequest(inputs.IdeaInput):
    """An idea for the town, with its solved challenge."""

    class Meta(Strict.Meta):
        exclude = ("challenge",)

    altcha = fields.String(metadata=_ALTCHA)


class FeedbackText(inputs.Text):
    """An official answer, or why a report is reopened (the applications' Text is another)."""


class RatingRequest(inputs.RatingInput):
    subject_id = UuidString(
        load_default=None, metadata=doc("the appointment or case, when rating signed in")
    )


class RatingToken(Strict):
    token = fields.String(
        required=True,
        validate=validate.Length(1, 200),
        metadata=doc("the `token` of the link in the invitation to rate"),
    )


class NearbyReportsQuery(inputs.NearbyQuery):
    language = _language()


class MapQuery(inputs.MapQuery):
    language = _language()


class CommentsQuery(Schema):
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(1, inputs.CURSOR_LENGTH),
        metadata=doc("the `next_cursor` of the page before"),
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class FeedbackWorklistQuery(inputs.WorklistQuery):
    language = _language()


class StatusChangeRequest(inputs.StatusChange):
    duplicate_of = UuidString(
        load_default=None, metadata=doc("the open report or idea a duplicate repeats")
    )


class FiguresQuery(_AsSent, inputs.FiguresQuery):
    since = IsoDate(
        load_default=None,
        data_key="from",
        metadata=doc("first local day; a year back unless given"),
    )
    until = IsoDate(load_default=None, data_key="to", metadata=doc("last local day; today"))


def _open311_language() -> fields.String:
    # lenient, as map apps are: they send their users' language, whichever it is
    return fields.String(
        load_default="de",
        validate=validate.Length(1, 35),
        metadata=doc("the language of names: de or en (en-GB is en); any other: de"),
    )


class Open311Query(inputs.Open311Arguments):
    language = _open311_language()


class Open311RequestsQuery(inputs.Open311Query):
    start_date = IsoDateTime(
        load_default=None,
        metadata=doc("submitted at or after (w3 format: 2026-11-01T00:00:00Z); at most 90 days"),
    )
    end_date = IsoDateTime(
        load_default=None,
        metadata=doc("submitted at or before; the last 90 days unless either is given"),
    )
    language = _open311_language()


# answers ----------------------------------------------------------------------------


class QuestionView(Schema):
    key = fields.String(metadata=doc("answer it under this key in `answers`"))
    label = fields.String()
    type = fields.String(metadata={"enum": ["text", "choice", "boolean", "number"]})
    required = fields.Boolean()
    choices = fields.List(fields.String(), metadata=doc("a choice question's answers"))


class CategoryView(Schema):
    key = fields.String(metadata=doc("name it in `category`"))
    kind = fields.String(metadata={"enum": ["report", "idea"]})
    name = fields.String()
    department = fields.String(metadata=doc("the department that handles it"))
    department_name = fields.String()
    questions = fields.List(fields.Nested(QuestionView), metadata=doc("the extra questions"))


class CategoryList(Schema):
    categories = fields.List(fields.Nested(CategoryView))


class ItemHistoryEntry(Schema):
    status = fields.String()
    previous_status = fields.String(allow_none=True, metadata=doc("null for the submission"))
    by = fields.String(metadata={"enum": ["author", "office"]})
    actor = fields.String(allow_none=True)
    text = fields.String(allow_none=True, metadata=doc("an answer or a reason"))
    at = fields.String()


class ItemView(Schema):
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


class Marker(Schema):
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


class NearbyReports(Schema):
    reports = fields.List(fields.Nested(Marker), metadata=doc("the closest first"))


class MapPage(Schema):
    items = fields.List(fields.Nested(Marker), metadata=doc("the newest first"))
    next_cursor = fields.String(allow_none=True, metadata=_CURSOR)


class MyItem(Marker):
    hidden = fields.Boolean(metadata=doc("hidden from the public until a moderator decides"))


class MyItems(Schema):
    items = fields.List(fields.Nested(MyItem), metadata=doc("the newest first"))


class WorklistEntry(Marker):
    department = fields.String()
    flags = fields.Integer()
    hidden = fields.Boolean()


class FeedbackWorklist(Schema):
    items = fields.List(fields.Nested(WorklistEntry), metadata=doc("the newest first"))
    next_cursor = fields.String(allow_none=True, metadata=_CURSOR)


class CommentView(Schema):
    id = fields.String()
    item_id = fields.String()
    body = fields.String()
    from_office = fields.Boolean(metadata=doc("written by the office, which speaks as one"))
    mine = fields.Boolean(metadata=doc("the caller wrote it"))
    created_at = fields.String()
    author = fields.String(metadata=_OFFICE_ONLY)
    hidden = fields.Boolean(metadata=_OFFICE_ONLY)
    flags = fields.Integer(metadata=_OFFICE_ONLY)


class CommentPage(Schema):
    comments = fields.List(fields.Nested(CommentView), metadata=doc("oldest first"))
    next_cursor = fields.String(allow_none=True, metadata=_CURSOR)


class FlagView(Schema):
    target_kind = fields.String(metadata={"enum": ["item", "comment"]})
    target_id = fields.String()
    flagged = fields.Boolean()


class InvitationView(Schema):
    subject_kind = fields.String(metadata={"enum": ["visit", "case"]})
    subject_id = fields.String(metadata=doc("the appointment or the case"))
    service = fields.String()
    service_name = fields.String()
    location = fields.String(allow_none=True, metadata=doc("a visit's location; null for a case"))
    expires_at = fields.String()
    rated = fields.Boolean(metadata=doc("it has its rating already"))


class RatingView(Schema):
    id = fields.String()
    subject_kind = fields.String(metadata={"enum": ["visit", "case"]})
    subject_id = fields.String()
    service = fields.String()
    service_name = fields.String()
    location = fields.String(allow_none=True)
    score = fields.Integer(metadata=doc("1 (bad) to 5 (very good)"))
    comment = fields.String(allow_none=True)
    rated_at = fields.String()


class ModerationEntry(Schema):
    target_kind = fields.String(metadata={"enum": ["item", "comment"]})
    target_id = fields.String()
    item_id = fields.String()
    text = fields.String()
    author = fields.String(metadata=doc("the account"))
    flags = fields.Integer()
    hidden = fields.Boolean()


class ModerationQueue(Schema):
    entries = fields.List(fields.Nested(ModerationEntry), metadata=doc("the most flagged first"))


class ModerationLogEntry(Schema):
    action = fields.String(metadata={"enum": ["auto_hidden", "hidden", "edited", "restored"]})
    moderator = fields.String(allow_none=True, metadata=doc("null when flags hid it"))
    reason = fields.String(allow_none=True)
    before = fields.Dict(allow_none=True, metadata=doc("an edit's text it replaced"))
    after = fields.Dict(allow_none=True, metadata=doc("an edit's new text"))
    at = fields.String()


class ModeratedView(ItemView):
    """The item (or the comment: its fields instead) as the office sees it, with its log."""

    item_id = fields.String(metadata=doc("a comment's item"))
    body = fields.String(metadata=doc("a comment's text"))
    from_office = fields.Boolean()
    created_at = fields.String()
    moderation = fields.List(fields.Nested(ModerationLogEntry), metadata=doc("oldest first"))


class BanView(Schema):
    account = fields.String()
    reason = fields.String()
    banned_by = fields.String()
    banned_at = fields.String()


class BanList(Schema):
    bans = fields.List(fields.Nested(BanView), metadata=doc("the latest first"))


class RatingFigure(Schema):
    period = fields.String(metadata=doc("2026-11 for a month, 2026-W47 for a week"))
    subject_kind = fields.String(metadata={"enum": ["visit", "case"]})
    service = fields.String()
    location = fields.String(allow_none=True)
    ratings = fields.Integer()
    average = fields.Float()


class ItemCount(Schema):
    kind = fields.String()
    category = fields.String()
    status = fields.String()
    count = fields.Integer()


class CategoryTimeToAnswer(Schema):
    category = fields.String()
    median_hours = fields.Float(allow_none=True)
    answered = fields.Integer()
    unanswered = fields.Integer()


class TimeToAnswer(Schema):
    median_hours = fields.Float(allow_none=True, metadata=doc("submission to first answer"))
    answered = fields.Integer()
    unanswered = fields.Integer()
    per_category = fields.List(fields.Nested(CategoryTimeToAnswer))


class Figures(Schema):
    date_from = fields.String(attribute="from", data_key="from")
    date_to = fields.String(attribute="to", data_key="to")
    period = fields.String(metadata={"enum": ["week", "month"]})
    ratings = fields.List(
        fields.Nested(RatingFigure), metadata=doc("per period, service and location")
    )
    items = fields.List(fields.Nested(ItemCount), metadata=doc("submitted in the window"))
    time_to_answer = fields.Nested(TimeToAnswer)


# Open311 GeoReport v2: the shapes its clients read, unchanged


class Open311Service(Schema):
    service_code = fields.String()
    service_name = fields.String()
    description = fields.String()
    metadata = fields.Boolean(metadata=doc("it has attributes: see its definition"))
    type = fields.String(metadata={"enum": ["realtime"]})
    keywords = fields.String()
    group = fields.String(metadata=doc("the department"))


class Open311Value(Schema):
    key = fields.String()
    name = fields.String()


class Open311Attribute(Schema):
    variable = fields.Boolean()
    code = fields.String()
    datatype = fields.String(metadata={"enum": ["string", "number", "singlevaluelist"]})
    required = fields.Boolean()
    datatype_description = fields.String()
    order = fields.Integer()
    description = fields.String()
    values = fields.List(fields.Nested(Open311Value))


class Open311Definition(Schema):
    service_code = fields.String()
    attributes = fields.List(fields.Nested(Open311Attribute))


class Open311Request(Schema):
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


class Open311Error(Schema):
    code = fields.Integer(metadata=doc("the HTTP status"))
    description = fields.String(metadata=doc("what is wrong, for people; a refused field first"))


class Open311Endpoint(Schema):
    specification = fields.String(metadata=doc("http://wiki.open311.org/GeoReport_v2"))
    url = fields.String(metadata=doc("the endpoint; add /services.json and so on"))
    changeset = fields.String(metadata=doc("when the services or their definitions changed"))
    type = fields.String(metadata={"enum": ["production", "test"]})
    formats = fields.List(fields.String(), metadata=doc("application/json and text/xml"))


class Open311Discovery(Schema):
    changeset = fields.String()
    contact = fields.String()
    key_service = fields.String(metadata=doc("no key is needed to read"))
    endpoints = fields.List(fields.Nested(Open311Endpoint))
