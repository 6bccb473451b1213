"""What the feedback service's RPCs take, checked with marshmallow."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, pre_load, validate, validates_schema

from services.common.language import language_field
from services.common.loading import Strict
from services.feedback.catalogue import KINDS, STATUSES

# a keyset cursor (services.common.keyset): an instant and an id, base64url of JSON
CURSOR_LENGTH = 200
LANGUAGE = language_field()
NAME = fields.String(
    load_default=None,
    validate=validate.Length(1, 80),
    metadata={"description": "the name the public sees (never the account); none: citizen"},
)
CHALLENGE = fields.String(
    load_default=None,
    validate=validate.Length(max=128),
    metadata={"description": "the id of the solved proof of work (set by the gateway)"},
)


class ReportInput(Strict):
    category = fields.String(required=True, validate=validate.Length(1, 50))
    title = fields.String(required=True, validate=validate.Length(3, 120))
    description = fields.String(required=True, validate=validate.Length(1, 5000))
    latitude = fields.Float(required=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(required=True, validate=validate.Range(-180, 180))
    answers = fields.Dict(keys=fields.String(), load_default=dict)
    # more than the limit is refused with its own code, after loading
    photos = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=50))
    name = NAME
    anonymous = fields.Boolean(
        load_default=False, metadata={"description": "show no name to the public"}
    )
    email = fields.Email(
        load_default=None,
        validate=validate.Length(max=320),
        metadata={"description": "where news of it go (default: the account's preferences)"},
    )
    language = LANGUAGE
    challenge = CHALLENGE


class IdeaInput(Strict):
    category = fields.String(required=True, validate=validate.Length(1, 50))
    title = fields.String(required=True, validate=validate.Length(3, 120))
    description = fields.String(required=True, validate=validate.Length(1, 10000))
    answers = fields.Dict(keys=fields.String(), load_default=dict)
    name = NAME
    anonymous = fields.Boolean(load_default=False)
    email = fields.Email(load_default=None, validate=validate.Length(max=320))
    language = LANGUAGE
    challenge = CHALLENGE


class RatingInput(Strict):
    """A rating by the invitation's link (`token`), or by a signed-in citizen naming the
    visit (appointment id) or case they were invited to rate."""

    token = fields.String(load_default=None, validate=validate.Length(1, 200))
    subject_kind = fields.String(load_default=None, validate=validate.OneOf(("visit", "case")))
    subject_id = fields.UUID(load_default=None)
    # checked after loading, so that out of range has its own code
    score = fields.Raw(required=True, metadata={"description": "1 (bad) to 5 (very good)"})
    comment = fields.String(load_default=None, validate=validate.Length(max=2000))


class NearbyQuery(Strict):
    category = fields.String(required=True, validate=validate.Length(1, 50))
    latitude = fields.Float(required=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(required=True, validate=validate.Range(-180, 180))


class MapQuery(Strict):
    bbox = fields.String(
        load_default=None,
        metadata={"description": "south,west,north,east in degrees"},
    )
    kind = fields.String(load_default="report", validate=validate.OneOf(KINDS))
    category = fields.String(load_default=None, validate=validate.Length(1, 50))
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    limit = fields.Integer(load_default=200, validate=validate.Range(1, 1000))
    cursor = fields.String(load_default=None, validate=validate.Length(1, CURSOR_LENGTH))


class WorklistQuery(Strict):
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    category = fields.String(load_default=None, validate=validate.Length(1, 50))
    department = fields.String(load_default=None, validate=validate.Length(1, 50))
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    open_only = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    cursor = fields.String(load_default=None, validate=validate.Length(1, CURSOR_LENGTH))


class Text(Strict):
    text = fields.String(required=True, validate=validate.Length(1, 5000))


class CommentInput(Strict):
    body = fields.String(required=True, validate=validate.Length(1, 5000))


class FollowInput(Strict):
    email = fields.Email(load_default=None, validate=validate.Length(max=320))
    language = LANGUAGE


class StatusChange(Strict):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    answer = fields.String(
        load_default=None,
        validate=validate.Length(1, 5000),
        metadata={"description": "an official answer, published with the change"},
    )
    duplicate_of = fields.UUID(load_default=None)


class MergeInput(Strict):
    into = fields.UUID(required=True, metadata={"description": "the report or idea to keep"})
    answer = fields.String(
        load_default=None,
        validate=validate.Length(1, 5000),
        metadata={"description": "an official answer on the duplicate, published with it"},
    )


class Flag(Strict):
    reason = fields.String(
        required=True,
        validate=validate.OneOf(("abusive", "personal_data", "spam", "off_topic", "illegal")),
    )


class Moderation(Strict):
    decision = fields.String(required=True, validate=validate.OneOf(("restore", "hide", "edit")))
    reason = fields.String(required=True, validate=validate.Length(1, 1000))
    # an edit's new text; the original is kept in the moderation log
    title = fields.String(load_default=None, validate=validate.Length(3, 120))
    description = fields.String(load_default=None, validate=validate.Length(1, 10000))
    body = fields.String(load_default=None, validate=validate.Length(1, 5000))


class Ban(Strict):
    reason = fields.String(required=True, validate=validate.Length(1, 1000))


class FiguresQuery(Strict):
    since = fields.Date(load_default=None, data_key="from")
    until = fields.Date(load_default=None, data_key="to")
    period = fields.String(load_default="month", validate=validate.OneOf(("week", "month")))

    @validates_schema
    def _in_order(self, data: dict, **kwargs) -> None:
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("`from` comes before `to`.", "to")


class CommaSeparated(fields.List):
    """A list sent Open311's way, `a,b`; or as the key repeated, or as a JSON list."""

    def _deserialize(self, value, attr, data, **kwargs) -> list:
        items = value if isinstance(value, list | tuple) else [value]
        parts = [part.strip() for item in items for part in str(item).split(",")]
        return super()._deserialize([part for part in parts if part], attr, data, **kwargs)


class Open311Arguments(Strict):
    """What every Open311 read takes.

    GeoReport v2: an optional argument sent empty is as if it were not sent at all.
    """

    jurisdiction_id = fields.String(
        load_default=None,
        validate=validate.Length(1, 200),
        metadata={"description": "the town's web address without www; this endpoint serves one"},
    )

    @pre_load
    def _empty_is_absent(self, data: Any, **kwargs) -> Any:
        if not isinstance(data, dict):
            return data
        return {key: value for key, value in data.items() if value not in ("", None, [""], [])}


class Open311Query(Open311Arguments):
    service_request_id = CommaSeparated(
        fields.String(validate=validate.Length(1, 100)),
        load_default=list,
        validate=validate.Length(max=1000),
        metadata={"description": "comma-separated; when given, every other filter is ignored"},
    )
    service_code = CommaSeparated(
        fields.String(validate=validate.Length(1, 50)),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "comma-separated; every service unless given"},
    )
    status = CommaSeparated(
        fields.String(validate=validate.OneOf(("open", "closed"))),
        load_default=list,
        metadata={"description": "open, closed or open,closed; both unless given"},
    )
    start_date = fields.AwareDateTime(load_default=None)
    end_date = fields.AwareDateTime(load_default=None)
    bbox = fields.String(
        load_default=None, metadata={"description": "south,west,north,east in degrees"}
    )
    limit = fields.Integer(load_default=1000, validate=validate.Range(1, 1000))
