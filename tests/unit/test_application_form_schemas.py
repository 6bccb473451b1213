"""Each application type's form as JSON Schema: generated from its marshmallow form, and a
portal validating with it agrees with the service on every submission, case by case.

No broker, no database: the service's own form check (`submission.checked_form`) against
`jsonschema`'s Draft 2020-12 validator with format checking.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from marshmallow import EXCLUDE, Schema, fields, validate
from nameko.exceptions import ConfigurationError

from services.applications import catalogue, errors, form_schema, submission
from services.applications.form_schema import Day, WholeNumber, texts
from services.common import clock
from services.gateway.application_schemas import openapi_schema
from services.gateway.openapi import build_document
from services.gateway.service import GatewayService
from tests.support.form_schemas import Path, fields_the_schema_refuses, paths_in

TYPES = catalogue.load(api_url="https://rathaus.example.org/")
NEXT_WEEK = (date.today() + timedelta(days=7)).isoformat()
YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


def address(**changes) -> dict[str, Any]:
    return {
        "street": "Am Vreithof",
        "house_number": "8",
        "postcode": "59494",
        "city": "Soest",
        **changes,
    }


def parking(**changes) -> dict[str, Any]:
    form = {
        "plate": "SO-AB 123",
        "vehicle_owner": "self",
        "address": address(),
        "zone": "B",
        "valid_from": NEXT_WEEK,
    }
    return {**form, **changes}


def certificate(**changes) -> dict[str, Any]:
    return {"purpose": "Wohnungsgeberbestätigung", "delivery": "download", **changes}


def dog(**changes) -> dict[str, Any]:
    return {
        "name": "Bello",
        "breed": "Labrador",
        "born": "2022-05-01",
        "chip_number": "276098106123456",
        **changes,
    }


def dog_tax(**changes) -> dict[str, Any]:
    return {"dogs": [dog()], "kept_since": "2026-11-01", "address": address(), **changes}


def without(form: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in form.items() if key not in names}


# type -> (what the case is, the form, the fields refused: none for a good submission)
CASES: dict[str, list[tuple[str, dict[str, Any], set[Path]]]] = {
    "bewohnerparkausweis": [
        ("complete", parking(), set()),
        ("an electric car's plate", parking(plate="SO-AB 123E"), set()),
        ("a district with an umlaut", parking(plate="LÜD-A 7"), set()),
        ("a lower-case plate", parking(plate="so-ab 123"), {("plate",)}),
        ("a plate as a number", parking(plate=123), {("plate",)}),
        ("an unknown keeper", parking(vehicle_owner="neighbour"), {("vehicle_owner",)}),
        ("an unknown zone", parking(zone="Z"), {("zone",)}),
        (
            "a four-digit postcode",
            parking(address=address(postcode="5949")),
            {("address", "postcode")},
        ),
        (
            "no postcode",
            parking(address=without(address(), "postcode")),
            {("address", "postcode")},
        ),
        ("an empty street", parking(address=address(street="")), {("address", "street")}),
        ("an address as text", parking(address="Am Vreithof 8"), {("address",)}),
        ("a field the form lacks", parking(colour="red"), {("colour",)}),
        ("a floor in the address", parking(address=address(floor="2")), {("address", "floor")}),
        (
            "a date without dashes",
            parking(valid_from=NEXT_WEEK.replace("-", "")),
            {("valid_from",)},
        ),
        ("a thirteenth month", parking(valid_from="2026-13-01"), {("valid_from",)}),
        ("a date as a number", parking(valid_from=20261201), {("valid_from",)}),
        ("no plate", without(parking(), "plate"), {("plate",)}),
        (
            "nothing at all",
            {},
            {("plate",), ("vehicle_owner",), ("address",), ("zone",), ("valid_from",)},
        ),
    ],
    "meldebescheinigung": [
        ("the least", certificate(), set()),
        ("everything", certificate(kind="extended", delivery="post", copies=5), set()),
        ("two copies written 2.0", certificate(copies=2.0), set()),
        ("a purpose too short", certificate(purpose="ab"), {("purpose",)}),
        ("a purpose too long", certificate(purpose="x" * 201), {("purpose",)}),
        ("delivery by fax", certificate(delivery="fax"), {("delivery",)}),
        ("no copy", certificate(copies=0), {("copies",)}),
        ("six copies", certificate(copies=6), {("copies",)}),
        ("copies as text", certificate(copies="2"), {("copies",)}),
        ("two and a half copies", certificate(copies=2.5), {("copies",)}),
        ("copies as true", certificate(copies=True), {("copies",)}),
        ("a kind of null", certificate(kind=None), {("kind",)}),
        ("no delivery", without(certificate(), "delivery"), {("delivery",)}),
    ],
    "hundesteuer": [
        ("one dog", dog_tax(), set()),
        (
            "two dogs from a shelter",
            dog_tax(dogs=[dog(), dog(name="Luna")], exemption="shelter_dog"),
            set(),
        ),
        ("no exemption, said as null", dog_tax(exemption=None), set()),
        ("no dog", dog_tax(dogs=[]), {("dogs",)}),
        ("six dogs", dog_tax(dogs=[dog()] * 6), {("dogs",)}),
        ("a dog as text", dog_tax(dogs="Bello"), {("dogs",)}),
        (
            "a chip of 14 digits",
            dog_tax(dogs=[dog(chip_number="27609810612345")]),
            {("dogs", 0, "chip_number")},
        ),
        (
            "the second dog without its birthday",
            dog_tax(dogs=[dog(), without(dog(), "born")]),
            {("dogs", 1, "born")},
        ),
        ("a dog's colour", dog_tax(dogs=[dog(colour="brown")]), {("dogs", 0, "colour")}),
        ("a dog that is a name only", dog_tax(dogs=["Bello"]), {("dogs", 0)}),
        ("an unknown exemption", dog_tax(exemption="tax_dodger"), {("exemption",)}),
        ("a week date", dog_tax(kept_since="2026-W49-1"), {("kept_since",)}),
        (
            "an address without its town",
            dog_tax(address=without(address(), "city")),
            {("address", "city")},
        ),
    ],
}


def fields_the_service_refuses(kind: catalogue.ApplicationType, form: Any) -> set[Path]:
    try:
        submission.checked_form(kind, form)
    except errors.InvalidForm as refused:
        return paths_in(refused.details)
    return set()


@pytest.mark.parametrize(
    ("key", "case", "form", "refused"),
    [(key, *case) for key, cases in CASES.items() for case in cases],
    ids=[f"{key}: {case[0]}" for key, cases in CASES.items() for case in cases],
)
def test_the_schema_and_the_service_accept_and_refuse_the_same_forms(key, case, form, refused):
    kind = TYPES[key]

    by_schema = fields_the_schema_refuses(kind.form_schema("de"), form)
    by_service = fields_the_service_refuses(kind, form)

    assert by_schema == by_service == refused


def test_every_configured_type_is_checked_with_good_and_bad_submissions():
    assert set(CASES) == set(TYPES)
    for cases in CASES.values():
        assert any(not refused for _case, _form, refused in cases)
        assert any(refused for _case, _form, refused in cases)


@pytest.mark.parametrize("key", sorted(TYPES))
def test_each_form_schema_is_a_valid_draft_2020_12_schema_named_by_the_case_metadata(key):
    kind = TYPES[key]
    schema = kind.form_schema("de")

    Draft202012Validator.check_schema(schema)
    uri = f"https://rathaus.example.org/api/v1/applications/types/{key}/schema.json"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == uri == kind.schema_uri
    named = submission.metadata(kind, {}, [])["contentStructure"]["data"]["submissionSchema"]
    assert named == {"schemaUri": uri, "mimeType": "application/json"}
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert set(schema["required"]) == {
        name for name, field in kind.form().fields.items() if field.required
    }


@pytest.mark.parametrize("key", sorted(TYPES))
def test_the_languages_differ_in_their_texts_only(key):
    german, english = TYPES[key].form_schema("de"), TYPES[key].form_schema("en")

    assert without_texts(german) == without_texts(english)
    assert german["x-translations"] == {"en": {"title": TYPES[key].names["en"]}}
    assert english["title"] == TYPES[key].names["en"]


def without_texts(schema: Any) -> Any:
    if isinstance(schema, list):
        return [without_texts(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    texts_ = ("title", "description", "x-translations")
    return {key: without_texts(value) for key, value in schema.items() if key not in texts_}


def test_a_field_carries_its_title_in_the_language_asked_and_the_other_beside_it():
    german = TYPES["bewohnerparkausweis"].form_schema("de")["properties"]["plate"]
    english = TYPES["bewohnerparkausweis"].form_schema("en")["properties"]["plate"]

    assert german["title"] == "Kfz-Kennzeichen"
    assert german["x-translations"]["en"]["title"] == "Number plate"
    assert english["title"] == "Number plate"
    assert english["description"].startswith("Like SO-AB 123")
    assert english["x-translations"]["de"]["title"] == "Kfz-Kennzeichen"


def test_the_dog_tax_form_states_its_lists_choices_and_formats():
    schema = TYPES["hundesteuer"].form_schema("en")
    dogs, exemption = schema["properties"]["dogs"], schema["properties"]["exemption"]

    assert (dogs["type"], dogs["minItems"], dogs["maxItems"]) == ("array", 1, 5)
    assert dogs["items"]["required"] == ["name", "breed", "born", "chip_number"]
    assert dogs["items"]["additionalProperties"] is False
    assert dogs["items"]["properties"]["chip_number"]["pattern"] == "^[0-9]{15}$"
    assert dogs["items"]["properties"]["born"] == {
        "title": "Date of birth",
        "x-translations": {"de": {"title": "Geburtsdatum"}},
        "type": "string",
        "format": "date",
    }
    assert exemption["type"] == ["string", "null"]
    assert exemption["enum"] == ["guide_dog", "rescue_dog", "shelter_dog", None]
    assert exemption["default"] is None
    copies = TYPES["meldebescheinigung"].form_schema("en")["properties"]["copies"]
    assert (copies["type"], copies["minimum"], copies["maximum"]) == ("integer", 1, 5)
    assert copies["default"] == 1


def test_a_rule_json_schema_cannot_state_is_in_its_description_and_the_service_refuses_it():
    kind = TYPES["bewohnerparkausweis"]
    schema = kind.form_schema("en")
    form = parking(valid_from=YESTERDAY)

    assert schema["properties"]["valid_from"]["description"] == "Not in the past."
    assert fields_the_schema_refuses(schema, form) == set()
    assert fields_the_service_refuses(kind, form) == {("valid_from",)}


def test_not_in_the_past_means_the_town_halls_day_not_the_machines(monkeypatch):
    kind = TYPES["bewohnerparkausweis"]
    # 00:30 on 5 December in Soest, still 4 December in UTC
    monkeypatch.setattr(clock, "system_clock", lambda: datetime(2026, 12, 4, 23, 30, tzinfo=UTC))

    assert fields_the_service_refuses(kind, parking(valid_from="2026-12-04")) == {("valid_from",)}
    assert fields_the_service_refuses(kind, parking(valid_from="2026-12-05")) == set()


class Contact(Schema):
    class Meta:
        unknown = EXCLUDE

    email = fields.Email(required=True, metadata=texts(de="E-Mail", en="E-mail"))
    seen = fields.String(dump_only=True)
    phone_number = fields.String(data_key="phone", validate=validate.Length(equal=12))


class EveryKind(Schema):
    contact = fields.Nested(Contact, required=True)
    share = fields.Float(validate=validate.Range(0, 1, min_inclusive=False))
    code = fields.String(validate=validate.NoneOf(("admin", "root")))
    tags = fields.Dict(keys=fields.String(), values=WholeNumber(), validate=validate.Length(max=3))
    when = fields.DateTime()
    day = Day(load_default=None)
    word = fields.String(validate=validate.Regexp("[a-z]+"))
    sizes = fields.List(fields.String(), validate=validate.ContainsOnly(("S", "M")))
    anything = fields.Raw()


def test_the_generator_states_formats_bounds_and_names_beyond_the_configured_forms():
    schema = form_schema.object_schema(EveryKind(), "de")
    properties = schema["properties"]

    assert schema["required"] == ["contact"]
    contact = properties["contact"]
    assert contact["additionalProperties"] is True  # EXCLUDE drops unknown fields: no refusal
    assert contact["properties"]["email"]["format"] == "email"
    assert contact["properties"]["email"]["title"] == "E-Mail"
    assert set(contact["properties"]) == {"email", "phone"}  # dump-only left out, data_key used
    assert (
        contact["properties"]["phone"]["minLength"]
        == contact["properties"]["phone"]["maxLength"]
        == 12
    )
    assert properties["share"] == {"type": "number", "exclusiveMinimum": 0, "maximum": 1}
    assert properties["code"]["not"] == {"enum": ["admin", "root"]}
    assert properties["tags"] == {
        "type": "object",
        "additionalProperties": {"type": "integer"},
        "maxProperties": 3,
    }
    assert properties["when"]["format"] == "date-time"
    assert properties["day"] == {"type": ["string", "null"], "format": "date", "default": None}
    assert properties["word"]["pattern"] == "^(?:[a-z]+)"  # marshmallow matches at the start
    assert properties["sizes"] == {"type": "array", "items": {"type": "string", "enum": ["S", "M"]}}
    assert properties["anything"] == {}


def test_a_form_the_generator_cannot_state_stops_the_service(tmp_path):
    with pytest.raises(ConfigurationError, match="Predicate"):
        catalogue.load(types_file(tmp_path, "Picky"))
    with pytest.raises(ConfigurationError, match=r"title.*\['address\.street'\]"):
        catalogue.load(types_file(tmp_path, "Untitled"))


class Picky(Schema):
    shout = fields.String(
        validate=validate.Predicate("isupper"), metadata=texts(de="Ruf", en="Shout")
    )


class Untitled(Schema):
    address = fields.Nested(
        Schema.from_dict({"street": fields.String()}), metadata=texts(de="Anschrift", en="Address")
    )


def types_file(tmp_path, form: str):
    path = tmp_path / f"{form}.yaml"
    path.write_text(
        f"""
departments:
  tests: {{de: Prüfstelle, en: Testing}}
types:
  test:
    department: tests
    code: T
    service_key: "1"
    region: "1"
    form: {__name__}:{form}
    de: Test
    en: Test
    fee_cents: 0
    processing_days: 1
    statuses: {{submitted: {{de: Eingegangen, en: Received}}}}
    transitions: {{submitted: []}}
""",
        encoding="utf-8",
    )
    return path


def test_the_openapi_document_shows_each_form_as_a_component_and_the_schema_route():
    document = build_document(GatewayService)

    for key, kind in TYPES.items():
        component = document["components"]["schemas"][f"ApplicationForm.{key}"]
        assert component == openapi_schema(kind.form_schema("de"))
        assert "$id" not in component and "$schema" not in component
    exemption = document["components"]["schemas"]["ApplicationForm.hundesteuer"]["properties"][
        "exemption"
    ]
    assert (exemption["type"], exemption["nullable"]) == ("string", True)
    route = document["paths"]["/api/v1/applications/types/{key}/schema.json"]["get"]
    assert list(route["responses"]["200"]["content"]) == ["application/schema+json"]
    listed = document["components"]["schemas"]["ApplicationTypeView"]["properties"]
    assert "form_schema" in listed
