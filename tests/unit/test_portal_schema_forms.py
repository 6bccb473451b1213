"""A form drawn from an application type's JSON Schema, read back, and its refusals placed."""

from __future__ import annotations

from services.applications import catalogue
from services.portal.schema_forms import errors_at, fields_of, labels, read_form

DOG_TAX = catalogue.load()["hundesteuer"].form_schema("en")


def posted(values: dict[str, str]):
    return lambda name: values.get(name, "")


def test_a_list_of_objects_is_drawn_with_one_row_and_gets_another_when_asked():
    [dogs, *_] = fields_of(DOG_TAX, {})
    [dogs_with_one_more, *_] = fields_of(DOG_TAX, {}, added="form.dogs")

    assert (dogs.kind, dogs.rows, dogs.can_add) == ("list", 1, True)
    assert [f.path for f in dogs.children[0].children] == [
        "form.dogs.0.name",
        "form.dogs.0.breed",
        "form.dogs.0.born",
        "form.dogs.0.chip_number",
    ]
    assert dogs_with_one_more.rows == 2


def test_dates_choices_and_nested_objects_get_their_own_widgets():
    drawn = {f.path: f for f in fields_of(DOG_TAX, {"exemption": "guide_dog"})}

    assert drawn["form.kept_since"].kind == "date"
    assert drawn["form.address"].kind == "group"
    assert drawn["form.exemption"].kind == "choice"
    assert drawn["form.exemption"].choices == ["guide_dog", "rescue_dog", "shelter_dog", None]
    assert drawn["form.exemption"].value == "guide_dog"


def test_the_posted_fields_read_back_as_the_json_the_schema_describes_blank_rows_left_out():
    form = read_form(
        DOG_TAX,
        posted(
            {
                "form.dogs.rows": "2",
                "form.dogs.0.name": "Bello",
                "form.dogs.0.chip_number": "276098106543210",
                "form.kept_since": "2024-05-01",
                "form.address.city": "Soest",
            }
        ),
    )

    assert form == {
        "dogs": [{"name": "Bello", "chip_number": "276098106543210"}],
        "kept_since": "2024-05-01",
        "address": {"city": "Soest"},
        "exemption": None,
    }


def test_the_services_refusals_land_at_their_fields_with_the_portals_words():
    details = {
        "dogs": {"0": {"chip_number": ["15 digits."]}},
        "kept_since": ["Missing data for required field."],
    }

    assert errors_at(details, "form") == {
        "form.dogs.0.chip_number": ["form.invalid"],
        "form.kept_since": ["form.required"],
    }


def test_a_field_in_a_row_is_named_by_its_list_and_row_in_the_summary():
    named = labels(fields_of(DOG_TAX, {"dogs": [{}, {}]}))

    assert named["form.dogs.1.chip_number"] == "Dogs 2: Microchip number"
    assert named["form.address.postcode"] == "Address: Postcode"
