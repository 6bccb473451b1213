"""The bodies the gateway takes and gives: marshmallow schemas, also the source of OpenAPI.

Request schemas refuse unknown fields (marshmallow's default RAISE) and wrong types.
"""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services import BUSINESS_SERVICES
from services.common.context import ROLES
from services.common.identity import DEPARTMENT, MAX_DEPARTMENTS, SUBJECT


def doc(text: str) -> dict[str, str]:
    return {"description": text}


class StrictBoolean(fields.Boolean):
    """true or false, nothing else (marshmallow's Boolean also takes 1, "yes", "on" ...)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class ErrorDetail(Schema):
    code = fields.String(required=True, metadata=doc("Stable, machine-readable; see above."))
    message = fields.String(required=True, metadata=doc("For people; may change."))
    details = fields.Raw(
        allow_none=True,
        metadata=doc("More about the error, e.g. for invalid_input each field's messages."),
    )


class ErrorBody(Schema):
    error = fields.Nested(ErrorDetail, required=True)


class ComponentHealth(Schema):
    status = fields.String(required=True, metadata={"enum": ["ok", "degraded", "unavailable"]})
    database = fields.String(metadata=doc("The service's own database check."))
    error = fields.String(metadata=doc("Why it is not ok."))


class HealthReport(Schema):
    status = fields.String(required=True, metadata={"enum": ["ok", "degraded"]})
    broker = fields.Nested(ComponentHealth, required=True)
    services = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(ComponentHealth),
        required=True,
        metadata=doc(f"One entry per service: {', '.join(BUSINESS_SERVICES)}."),
    )


class Me(Schema):
    subject = fields.String(required=True)
    role = fields.String(required=True, metadata={"enum": list(ROLES)})
    departments = fields.List(fields.String(), required=True)
    name = fields.String(allow_none=True, metadata=doc("As the identity provider states it."))


def whole_match(pattern: re.Pattern, message: str):
    """A validator: the whole value matches (marshmallow's Regexp matches a prefix)."""

    def check(value: str) -> None:
        if pattern.fullmatch(value) is None:
            raise ValidationError(message)

    return check


class DevLoginRequest(Schema):
    subject = fields.String(
        required=True,
        validate=whole_match(SUBJECT, "A plain identifier: letters, digits and . _ ~ @ + / = | -"),
        metadata={"pattern": f"^{SUBJECT.pattern}$"},
    )
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    departments = fields.List(
        fields.String(
            validate=whole_match(DEPARTMENT, "A short name: letters, digits, . _ -"),
            metadata={"pattern": f"^{DEPARTMENT.pattern}$"},
        ),
        validate=validate.Length(max=MAX_DEPARTMENTS),
        metadata=doc("The departments whose queues a clerk works (e.g. roads); none if left out."),
    )
    name = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata=doc("The person's name, as an identity provider's `name` claim gives it."),
    )


class TokenResponse(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"enum": ["Bearer"]})
    expires_in = fields.Integer(required=True, metadata=doc("Seconds."))


class DeadLetter(Schema):
    id = fields.String(required=True, metadata=doc("<handler queue>/<event id>"))
    event_type = fields.String(required=True)
    queue = fields.String(required=True, metadata=doc("The handler queue it failed in."))
    error = fields.String(required=True)
    retries = fields.Integer(required=True)
    first_failed_at = fields.String(required=True)
    dead_lettered_at = fields.String(required=True)
    age_seconds = fields.Float(required=True)


class DeadLetterList(Schema):
    dead_letters = fields.List(fields.Nested(DeadLetter), required=True)
    count = fields.Integer(required=True)


class DeadLetterSelection(Schema):
    """Either the ids of some dead letters or `{"all": true}`."""

    ids = fields.List(
        fields.String(validate=validate.Length(min=1)), validate=validate.Length(min=1, max=1000)
    )
    all = StrictBoolean()

    @validates_schema
    def ids_or_all(self, data, **kwargs):
        if ("ids" in data) == bool(data.get("all")):
            raise ValidationError('Give either "ids" or "all": true.')


class Replayed(Schema):
    replayed = fields.List(fields.String(), required=True)


class Discarded(Schema):
    discarded = fields.List(fields.String(), required=True)
