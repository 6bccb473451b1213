"""The form of each application type: what a citizen fills in, checked with marshmallow.

A type names its form in types.yaml (`form: services.applications.forms:ResidentParkingPermit`);
every failing field comes back with its message. Each field carries its title (and what to
know when filling it in) in German and English; the form's JSON Schema is generated from
this (services/applications/form_schema.py), so a field without them stops the service.
Dates are `Day` and whole numbers `WholeNumber`: they read JSON as the schema does.
"""

from __future__ import annotations

from datetime import date

from marshmallow import ValidationError, fields, validate, validates

from services.applications.form_schema import Day, WholeNumber, texts
from services.common.loading import Strict
from services.common.local_time import office_today

# a German number plate: district (1-3 letters), 1-2 letters, 1-4 digits, an optional E or H
PLATE = validate.Regexp(
    r"^[A-ZÄÖÜ]{1,3}-[A-Z]{1,2} [1-9][0-9]{0,3}[EH]?$", error="A plate like SO-AB 123."
)
POSTCODE = validate.Regexp(r"^[0-9]{5}$", error="Five digits.")


class Address(Strict):
    street = fields.String(
        required=True, validate=validate.Length(1, 200), metadata=texts(de="Straße", en="Street")
    )
    house_number = fields.String(
        required=True,
        validate=validate.Length(1, 20),
        metadata=texts(de="Hausnummer", en="House number"),
    )
    postcode = fields.String(
        required=True,
        validate=POSTCODE,
        metadata=texts(de=("Postleitzahl", "Fünf Ziffern."), en=("Postcode", "Five digits.")),
    )
    city = fields.String(
        required=True, validate=validate.Length(1, 100), metadata=texts(de="Ort", en="Town")
    )


class ResidentParkingPermit(Strict):
    """Bewohnerparkausweis: the vehicle, the address it is parked at, the zone."""

    plate = fields.String(
        required=True,
        validate=PLATE,
        metadata=texts(
            de=(
                "Kfz-Kennzeichen",
                "Wie SO-AB 123; mit E am Ende für Elektro-, H für historische Fahrzeuge.",
            ),
            en=("Number plate", "Like SO-AB 123; ending in E for electric, H for historic cars."),
        ),
    )
    vehicle_owner = fields.String(
        required=True,
        validate=validate.OneOf(("self", "employer", "leasing", "family")),
        metadata=texts(
            de=(
                "Halter des Fahrzeugs",
                "self: Sie selbst; employer: Ihr Arbeitgeber (Dienstwagen); leasing: eine "
                "Leasinggesellschaft; family: ein Familienmitglied.",
            ),
            en=(
                "Vehicle keeper",
                "self: you; employer: your employer (a company car); leasing: a leasing "
                "company; family: a family member.",
            ),
        ),
    )
    address = fields.Nested(
        Address,
        required=True,
        metadata=texts(
            de=("Wohnanschrift", "Wo Sie mit Hauptwohnsitz gemeldet sind."),
            en=("Home address", "Where you are registered as your main residence."),
        ),
    )
    zone = fields.String(
        required=True,
        validate=validate.OneOf(("A", "B", "C", "D", "E")),
        metadata=texts(
            de=("Parkzone", "Die Bewohnerparkzone Ihrer Straße."),
            en=("Parking zone", "The residents' parking zone of your street."),
        ),
    )
    valid_from = Day(
        required=True,
        metadata=texts(
            de=("Gültig ab", "Nicht in der Vergangenheit."),
            en=("Valid from", "Not in the past."),
        ),
    )

    @validates("valid_from")
    def not_in_the_past(self, value: date, **_kwargs) -> None:
        if value < office_today():
            raise ValidationError("Not in the past.")


class CertificateOfResidence(Strict):
    """Meldebescheinigung: what it is for and how it is delivered."""

    purpose = fields.String(
        required=True,
        validate=validate.Length(3, 200),
        metadata=texts(
            de=("Verwendungszweck", "Wofür Sie die Bescheinigung brauchen."),
            en=("Purpose", "What you need the certificate for."),
        ),
    )
    kind = fields.String(
        load_default="simple",
        validate=validate.OneOf(("simple", "extended")),
        metadata=texts(
            de=(
                "Art",
                "simple: einfache Meldebescheinigung; extended: erweiterte, mit früheren "
                "Anschriften.",
            ),
            en=("Kind", "simple: the plain certificate; extended: with earlier addresses."),
        ),
    )
    delivery = fields.String(
        required=True,
        validate=validate.OneOf(("download", "post", "pickup")),
        metadata=texts(
            de=("Zustellung", "download: im Portal; post: per Post; pickup: im Bürgerbüro."),
            en=("Delivery", "download: in the portal; post: by post; pickup: at the office."),
        ),
    )
    copies = WholeNumber(
        load_default=1,
        validate=validate.Range(1, 5),
        metadata=texts(de="Anzahl der Ausfertigungen", en="Number of copies"),
    )


class Dog(Strict):
    name = fields.String(
        required=True, validate=validate.Length(1, 100), metadata=texts(de="Name", en="Name")
    )
    breed = fields.String(
        required=True, validate=validate.Length(1, 100), metadata=texts(de="Rasse", en="Breed")
    )
    born = Day(required=True, metadata=texts(de="Geburtsdatum", en="Date of birth"))
    chip_number = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9]{15}$", error="15 digits."),
        metadata=texts(
            de=("Chipnummer", "Die 15 Ziffern des Transponders."),
            en=("Microchip number", "The transponder's 15 digits."),
        ),
    )


class DogTaxRegistration(Strict):
    """Hundesteuer-Anmeldung: the dog(s) and since when they are kept."""

    dogs = fields.List(
        fields.Nested(Dog),
        required=True,
        validate=validate.Length(1, 5),
        metadata=texts(de=("Hunde", "Einer bis fünf."), en=("Dogs", "One to five.")),
    )
    kept_since = Day(required=True, metadata=texts(de="Gehalten seit", en="Kept since"))
    address = fields.Nested(
        Address,
        required=True,
        metadata=texts(
            de=("Anschrift", "Wo die Hunde gehalten werden."),
            en=("Address", "Where the dogs are kept."),
        ),
    )
    exemption = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(("guide_dog", "rescue_dog", "shelter_dog")),
        metadata=texts(
            de=(
                "Steuerbefreiung",
                "guide_dog: Blindenführhund; rescue_dog: Rettungshund; shelter_dog: Hund aus "
                "dem Tierheim; null oder weggelassen, wenn keine.",
            ),
            en=(
                "Tax exemption",
                "guide_dog: a guide dog; rescue_dog: a rescue dog; shelter_dog: a dog from "
                "a shelter; null or left out if none.",
            ),
        ),
    )
