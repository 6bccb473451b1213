"""What the appointments service accepts over RPC; the gateway checks HTTP shapes, this the rest."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import (
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from services.appointments.catalogue import SLOT_LENGTHS
from services.appointments.queue import SECTIONS
from services.common.errors import InvalidInput
from services.common.identity import is_department
from services.common.language import language_field
from services.common.loading import Strict

_CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d|24:00")
_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")


def clock_minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


class ClockField(fields.String):
    """A local time of day, HH:MM; 24:00 is the end of the day."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not _CLOCK.fullmatch(text):
            raise ValidationError("Not a time of day (HH:MM, 00:00 to 24:00).")
        return text


class OpeningRuleInput(Strict):
    weekdays = fields.List(
        fields.Integer(strict=True, validate=validate.Range(1, 7)),
        required=True,
        validate=validate.Length(min=1, max=7),
        metadata={"description": "ISO weekdays, Monday 1 to Sunday 7"},
    )
    start = ClockField(required=True)
    end = ClockField(required=True)
    valid_from = fields.Date(load_default=None)
    valid_until = fields.Date(load_default=None)
    every_n_weeks = fields.Integer(strict=True, load_default=1, validate=validate.Range(1, 8))

    @validates_schema
    def _ordered(self, data: dict[str, Any], **kwargs) -> None:
        if clock_minutes(data["start"]) >= clock_minutes(data["end"]):
            raise ValidationError("The opening must start before it ends.", "end")
        if data["valid_from"] and data["valid_until"] and data["valid_from"] > data["valid_until"]:
            raise ValidationError("valid_until lies before valid_from.", "valid_until")


def _a_department(value: str) -> None:
    if not is_department(value):
        raise ValidationError("Not a department name.")


class LocationInput(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    address = fields.String(required=True, validate=validate.Length(1, 500))
    slot_minutes = fields.Integer(
        strict=True, load_default=15, validate=validate.OneOf(SLOT_LENGTHS)
    )
    buffer_units = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 8))
    min_notice_minutes = fields.Integer(
        strict=True, load_default=60, validate=validate.Range(0, 14 * 24 * 60)
    )
    max_days_ahead = fields.Integer(strict=True, load_default=60, validate=validate.Range(1, 730))
    opening_hours = fields.List(fields.Nested(OpeningRuleInput), load_default=list)
    closed_dates = fields.List(fields.Date(), load_default=list)
    department = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(max=50), _a_department],
    )

    @validates_schema
    def _on_the_grid(self, data: dict[str, Any], **kwargs) -> None:
        for rule in data["opening_hours"]:
            for clock in (rule["start"], rule["end"]):
                if clock_minutes(clock) % data["slot_minutes"]:
                    raise ValidationError(
                        f"{clock} is not on the {data['slot_minutes']}-minute slot grid.",
                        "opening_hours",
                    )


class OfferInput(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    duration_units = fields.Integer(strict=True, required=True, validate=validate.Range(1, 16))
    documents = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list)


class CapacityInput(Strict):
    desks = fields.Integer(strict=True, required=True, validate=validate.Range(0, 100))
    online_desks = fields.Integer(strict=True, required=True, validate=validate.Range(0, 100))

    @validates_schema
    def _within(self, data: dict[str, Any], **kwargs) -> None:
        if data["online_desks"] > data["desks"]:
            raise ValidationError("There cannot be more online desks than desks.", "online_desks")


class HoldInput(Strict):
    service = fields.String(required=True)
    location = fields.String(required=True)
    start = fields.AwareDateTime(required=True)
    email = fields.Email(required=True, validate=validate.Length(max=320))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    language = language_field()
    challenge = fields.String(load_default=None, validate=validate.Length(max=128))

    @validates("start")
    def _whole_minute(self, value, **kwargs) -> None:
        if value.second or value.microsecond:
            raise ValidationError("Slots start on whole minutes.")


class RangeInput(Strict):
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)

    @validates_schema
    def _ordered(self, data: dict[str, Any], **kwargs) -> None:
        if data["date_from"] > data["date_to"]:
            raise ValidationError("date_to lies before date_from.", "date_to")


def check_key(key: Any, field: str) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise InvalidInput(
            "Keys are 1 to 50 of a-z, 0-9 and -, starting with a letter or digit.",
            {field: ["Not a valid key."]},
        )
    return key


class BoardInput(Strict):
    """Which part of a location's day the desk reads, at which desk."""

    location = fields.String(required=True, validate=validate.Length(1, 50))
    date = fields.Date(required=True)
    desk = fields.Integer(strict=True, required=True, validate=validate.Range(1, 100))
    section = fields.String(load_default="waiting", validate=validate.OneOf(SECTIONS))
    offset = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 100_000))
    limit = fields.Integer(strict=True, load_default=50, validate=validate.Range(1, 200))


class WalkInInput(Strict):
    location = fields.String(required=True, validate=validate.Length(1, 50))
    service = fields.String(required=True, validate=validate.Length(1, 50))
