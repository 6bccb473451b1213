"""The feedback routes' requests the gateway adapts, and the lists it wraps answers in.

Most bodies and queries are the feedback service's own input schemas (it owns every rule),
and every answer is the service's own schema (services/feedback/answers.py), which the
routes and the OpenAPI document refer to. Where the gateway adds something (the solved
challenge, the language of the answer) or a value must travel as the text it came as (ids,
dates), a request schema here extends the service's and loads into the keys the service
loads. Times are ISO 8601 with their offset.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from services.common.loading import Strict
from services.feedback import schemas as inputs
from services.feedback.answers import BanView, CategoryView, Marker, MyItem
from services.feedback.catalogue import LANGUAGES
from services.gateway.appointment_schemas import IsoDate, IsoDateTime
from services.gateway.schemas import doc

_LANGUAGE = doc("the language of names and statuses in the answer; de unless asked")
_ALTCHA = doc(
    "The solved challenge (GET /api/v1/feedback/challenge): the ALTCHA widget's base64 "
    "payload. Without it the answer is challenge_required."
)


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
# The service's own (services/feedback/answers.py); here only the lists the gateway wraps an
# RPC's answer in, and Open311's refusal, which the gateway writes.


class CategoryList(Schema):
    # the HTTP answer names a choice by its key alone, as it always has; the choices'
    # names in the language asked are for the portal's form, which reads them over RPC
    categories = fields.List(fields.Nested(CategoryView(exclude=("questions.choice_names",))))


class NearbyReports(Schema):
    reports = fields.List(fields.Nested(Marker), metadata=doc("the closest first"))


class MyItems(Schema):
    items = fields.List(fields.Nested(MyItem), metadata=doc("the newest first"))


class BanList(Schema):
    bans = fields.List(fields.Nested(BanView), metadata=doc("the latest first"))


class Open311Error(Schema):
    code = fields.Integer(metadata=doc("the HTTP status"))
    description = fields.String(metadata=doc("what is wrong, for people; a refused field first"))
