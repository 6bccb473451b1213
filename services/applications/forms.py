"""The form of each application type: what a citizen fills in, checked with marshmallow.

A type names its form in types.yaml (`form: services.applications.forms:ResidentParkingPermit`);
every failing field comes back with its message.
"""

from __future__ import annotations

from datetime import date

from marshmallow import ValidationError, fields, validate, validates

from services.common.loading import Strict

# a German number plate: district (1-3 letters), 1-2 letters, 1-4 digits, an optional E or H
PLATE = validate.Regexp(
    r"^[A-ZÄÖÜ]{1,3}-[A-Z]{1,2} [1-9][0-9]{0,3}[EH]?$", error="A plate like SO-AB 123."
)
POSTCODE = validate.Regexp(r"^[0-9]{5}$", error="Five digits.")


class Address(Strict):
    street = fields.String(required=True, validate=validate.Length(1, 200))
    house_number = fields.String(required=True, validate=validate.Length(1, 20))
    postcode = fields.String(required=True, validate=POSTCODE)
    city = fields.String(required=True, validate=validate.Length(1, 100))


class ResidentParkingPermit(Strict):
    """Bewohnerparkausweis: the vehicle, the address it is parked at, the zone."""

    plate = fields.String(required=True, validate=PLATE)
    vehicle_owner = fields.String(
        required=True, validate=validate.OneOf(("self", "employer", "leasing", "family"))
    )
    address = fields.Nested(Address, required=True)
    zone = fields.String(required=True, validate=validate.OneOf(("A", "B", "C", "D", "E")))
    valid_from = fields.Date(required=True)

    @validates("valid_from")
    def not_in_the_past(self, value: date, **_kwargs) -> None:
        if value < date.today():
            raise ValidationError("Not in the past.")


class CertificateOfResidence(Strict):
    """Meldebescheinigung: what it is for and how it is delivered."""

    purpose = fields.String(required=True, validate=validate.Length(3, 200))
    kind = fields.String(load_default="simple", validate=validate.OneOf(("simple", "extended")))
    delivery = fields.String(required=True, validate=validate.OneOf(("download", "post", "pickup")))
    copies = fields.Integer(load_default=1, validate=validate.Range(1, 5))


class Dog(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 100))
    breed = fields.String(required=True, validate=validate.Length(1, 100))
    born = fields.Date(required=True)
    chip_number = fields.String(
        required=True, validate=validate.Regexp(r"^[0-9]{15}$", error="15 digits.")
    )


class DogTaxRegistration(Strict):
    """Hundesteuer-Anmeldung: the dog(s) and since when they are kept."""

    dogs = fields.List(fields.Nested(Dog), required=True, validate=validate.Length(1, 5))
    kept_since = fields.Date(required=True)
    address = fields.Nested(Address, required=True)
    exemption = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(("guide_dog", "rescue_dog", "shelter_dog")),
    )
