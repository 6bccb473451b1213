"""Open311 GeoReport v2 through the gateway, as existing map apps read it: the georeport
client from PyPI against the running platform, every endpoint in JSON and in XML with the
spec's element names, service discovery, and the spec's errors. The report categories are
services, public reports are service requests, and nothing personal leaves."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
from georeport import GeoReport

from services.feedback import service as feedback_service
from tests.support.clients import as_caller
from tests.support.feedback import EVERY_DEPARTMENT, MARKET, ROADS, idea, report

OPEN311 = "/api/v1/feedback/open311/v2"
JSON = "application/json; charset=utf-8"
XML = "text/xml; charset=utf-8"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
# what GeoReport v2 says a service request has
REQUEST_KEYS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
# the spec's XML lists, and what it calls their members
XML_LISTS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


class Clock:
    """The feedback service's clock, pinned: move it by setting `moment`."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def clock(monkeypatch) -> Clock:
    pinned = Clock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    monkeypatch.setattr(feedback_service, "now", pinned.now)
    return pinned


@pytest.fixture
def public_url() -> str:
    """GATEWAY.public_url; empty: the address each request came to."""
    return ""


@pytest.fixture
def start_gateway(start_gateway, public_url):
    """The gateway the platform starts, with `public_url`."""

    def start(gateway=None, **settings):
        return start_gateway(gateway={**(gateway or {}), "public_url": public_url}, **settings)

    return start


@pytest.fixture
def endpoint(web_config_port) -> str:
    return f"http://127.0.0.1:{web_config_port}{OPEN311}"


@pytest.fixture
def client(feedback, endpoint) -> GeoReport:
    """The georeport client from PyPI, set up for Soest as a map app would."""
    return GeoReport(endpoint, jurisdiction="soest.de")


@pytest.fixture
def xml_client(feedback, endpoint) -> GeoReport:
    return GeoReport(endpoint, jurisdiction="soest.de", output_format="xml")


def reported(*bodies: dict, citizen: str = "anna") -> list[dict]:
    with as_caller("citizen", citizen) as caller:
        return [caller.feedback.submit_report(body) for body in bodies]


def closed(item: dict, answer: str = "Erledigt.") -> None:
    with as_caller("clerk", "clerk-roads", ROADS) as clerk:
        clerk.feedback.change_status(item["id"], {"status": "done", "answer": answer})


def ids(requests_: list[dict]) -> list[str]:
    return [request["service_request_id"] for request in requests_]


def spec_errors(answer: requests.Response, status: int) -> list[str]:
    """The descriptions in the spec's error list, its shape checked, in JSON or XML."""
    assert answer.status_code == status, answer.text
    if answer.headers["Content-Type"] == XML:
        errors = from_xml(ElementTree.fromstring(answer.content))
        status_text: Any = str(status)
    else:
        assert answer.headers["Content-Type"] == JSON
        errors, status_text = answer.json(), status
    assert errors and all(set(error) == {"code", "description"} for error in errors), errors
    assert {error["code"] for error in errors} == {status_text}
    return [error["description"] for error in errors]


def from_xml(element: ElementTree.Element) -> Any:
    """XML back into the JSON shape, by the spec's element names."""
    if element.tag in XML_LISTS:
        assert {child.tag for child in element} <= {XML_LISTS[element.tag]}
        return [from_xml(child) for child in element]
    if len(element):
        return {child.tag: from_xml(child) for child in element}
    return element.text or ""


def as_text(value: Any) -> Any:
    """JSON as its XML reads: every value text, null empty."""
    if isinstance(value, dict):
        return {key: as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_text(item) for item in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def in_both_formats(web_session, path: str, root: str, **params) -> tuple[Any, Any]:
    """The JSON answer, and the XML answer read back into the JSON shape."""
    as_json = web_session.get(f"{OPEN311}/{path}.json", params=params)
    as_xml = web_session.get(f"{OPEN311}/{path}.xml", params=params)
    assert (as_json.status_code, as_xml.status_code) == (200, 200), (as_json.text, as_xml.text)
    assert (as_json.headers["Content-Type"], as_xml.headers["Content-Type"]) == (JSON, XML)
    assert as_xml.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    element = ElementTree.fromstring(as_xml.content)
    assert element.tag == root
    return as_json.json(), from_xml(element)


# services


def test_a_georeport_client_lists_the_report_categories_as_services(client, web_session):
    services = {service["service_code"]: service for service in client.get_service_list()}

    # ideas are no service requests
    assert set(services) == {"streetlight", "pothole", "litter", "graffiti", "green_space"}
    assert services["streetlight"] == {
        "service_code": "streetlight",
        "service_name": "Straßenbeleuchtung defekt",
        "description": "Straßenbeleuchtung defekt",
        "metadata": True,
        "type": "realtime",
        "keywords": "streetlight",
        "group": "Tiefbau und Straßen",
    }
    assert services["green_space"]["metadata"] is False
    in_english = web_session.get(f"{OPEN311}/services.json", params={"language": "en"}).json()
    assert "Pothole" in [service["service_name"] for service in in_english]


def test_a_service_definition_names_each_value_in_the_language_asked_german_by_default(
    client, web_session
):
    definition = client.get_service_definition("streetlight")

    assert definition["service_code"] == "streetlight"
    fault, pole = definition["attributes"]
    assert fault == {
        "variable": True,
        "code": "fault",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "",
        "order": 1,
        "description": "Was ist kaputt?",
        "values": [
            {"key": "dark", "name": "Leuchtet nicht"},
            {"key": "flickering", "name": "Flackert"},
            {"key": "lit_by_day", "name": "Leuchtet am Tag"},
        ],
    }
    assert (pole["code"], pole["datatype"], pole["required"]) == ("pole_number", "string", False)
    assert pole["values"] == []

    def names(code: str, **params) -> list[str]:
        answer = web_session.get(f"{OPEN311}/services/{code}.json", params=params)
        assert answer.status_code == 200, answer.text
        return [value["name"] for value in answer.json()["attributes"][0]["values"]]

    assert names("streetlight", language="en") == ["Not lit", "Flickering", "Lit by day"]
    assert names("streetlight", language="en-GB") == ["Not lit", "Flickering", "Lit by day"]
    assert names("streetlight", language="fr") == ["Leuchtet nicht", "Flackert", "Leuchtet am Tag"]
    assert names("litter") == ["Ja", "Nein"]
    assert client.get_service_definition("green_space")["attributes"] == []


def test_an_unknown_service_or_an_idea_category_is_not_found(client, web_session):
    for code in ("unicorns", "mobility"):
        for suffix in ("json", "xml"):
            answer = web_session.get(f"{OPEN311}/services/{code}.{suffix}")
            assert spec_errors(answer, 404) == ["There is no such service."]
    with pytest.raises(requests.HTTPError) as refused:
        client.get_service_definition("unicorns")
    assert refused.value.response.status_code == 404
    # a format the spec does not have is no route at all
    assert web_session.get(f"{OPEN311}/services/streetlight.csv").status_code == 404


# requests


def test_a_georeport_client_fetches_requests_by_a_list_of_ids_whatever_else_it_asks(client):
    light, pothole, litter, hidden = reported(
        report(),
        report(category="pothole"),
        report(category="litter", answers={"hazardous": False}),
        report(title="Beleidigender Text"),
    )
    closed(pothole)
    with as_caller("clerk", "moderator", EVERY_DEPARTMENT) as clerk:
        clerk.feedback.moderate("item", hidden["id"], {"decision": "hide", "reason": "Beleidigung"})
    with as_caller("citizen", "ben") as ben:
        proposal = ben.feedback.submit_idea(idea())

    named = ",".join(
        [light["id"], pothole["id"], hidden["id"], proposal["id"], UNKNOWN_ID, "not-an-id"]
    )
    found = client.get_service_requests(
        service_request_id=named,
        # the spec's: a list of ids overrides every other filter
        service_code="litter",
        status="open",
        start_date="2000-01-01T00:00:00Z",
        end_date="2000-02-01T00:00:00Z",
    )

    # the newest first; hidden reports, ideas and unknown ids are not there
    assert ids(found) == [pothole["id"], light["id"]]
    assert [request["status"] for request in found] == ["closed", "open"]
    assert ids(client.get_service_requests(service_request_id=litter["id"])) == [litter["id"]]


def test_a_georeport_client_filters_requests_by_lists_of_statuses_and_services(client, web_session):
    light, pothole, litter = reported(
        report(),
        report(category="pothole"),
        report(category="litter", answers={"hazardous": False}),
    )
    closed(pothole, "Geflickt.")

    assert ids(client.get_service_requests(status="open")) == [litter["id"], light["id"]]
    assert ids(client.get_service_requests(status="closed")) == [pothole["id"]]
    everything = [litter["id"], pothole["id"], light["id"]]
    assert ids(client.get_service_requests(status="open,closed")) == everything
    assert ids(client.get_service_requests()) == everything
    assert ids(client.get_service_requests(service_code="streetlight")) == [light["id"]]
    both = client.get_service_requests(service_code="streetlight,pothole", status="closed")
    assert ids(both) == [pothole["id"]]
    assert both[0]["status_notes"] == "Geflickt."
    # the spec's: an optional argument sent empty is as if not sent; a key may repeat
    empty = {"status": "", "service_code": "", "start_date": "", "jurisdiction_id": ""}
    assert ids(web_session.get(f"{OPEN311}/requests.json", params=empty).json()) == everything
    repeated = [("status", "closed"), ("status", "open"), ("service_code", "litter")]
    assert ids(web_session.get(f"{OPEN311}/requests.json", params=repeated).json()) == [
        litter["id"]
    ]


def test_requests_are_searched_in_up_to_ninety_days_the_most_recent_unless_asked(client, clock):
    clock.moment = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    [june] = reported(report(title="Im Juni gemeldet"))
    clock.moment = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    [october] = reported(report(title="Im Oktober gemeldet"))
    clock.moment = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)

    def found(**window: str) -> list[str]:
        return ids(client.get_service_requests(**window))

    # June is more than 90 days back
    assert found() == [october["id"]]
    assert found(start_date="2026-05-15T00:00:00Z", end_date="2026-07-01T00:00:00+02:00") == [
        june["id"]
    ]
    # from a start, 90 days on; to an end, 90 days back
    assert found(start_date="2026-05-31T00:00:00Z") == [june["id"]]
    assert found(end_date="2026-10-01T12:00Z") == [october["id"]]
    assert found(start_date="2026-09-30T00:00:00Z", end_date="2026-10-01T08:59:59Z") == []
    requested = client.get_service_request(june["id"])["requested_datetime"]
    assert datetime.fromisoformat(requested) == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def test_a_georeport_client_reads_one_request(client, clock):
    clock.moment = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    [made] = reported(report(category="pothole"))
    clock.moment = datetime(2026, 6, 3, 14, 30, tzinfo=UTC)
    closed(made, "Geflickt.")

    request = client.get_service_request(made["id"])

    assert set(request) == REQUEST_KEYS
    assert request["service_request_id"] == made["id"]
    assert (request["status"], request["status_notes"]) == ("closed", "Geflickt.")
    assert (request["service_code"], request["service_name"]) == ("pothole", "Schlagloch")
    assert request["agency_responsible"] == "Tiefbau und Straßen"
    assert request["description"] == f"{made['title']}\n\n{made['description']}"
    # a closed request's update is its closing
    updated = datetime.fromisoformat(request["updated_datetime"])
    assert updated == datetime(2026, 6, 3, 14, 30, tzinfo=UTC)


def test_one_request_is_a_list_of_one_and_an_unknown_one_is_not_found(feedback, web_session):
    [made] = reported(report())
    with as_caller("citizen", "anna") as anna:
        proposal = anna.feedback.submit_idea(idea())

    answer = web_session.get(f"{OPEN311}/requests/{made['id']}.json")

    assert answer.status_code == 200, answer.text
    assert ids(answer.json()) == [made["id"]]
    for unknown in (UNKNOWN_ID, "not-an-id", proposal["id"]):
        for suffix in ("json", "xml"):
            refused = web_session.get(f"{OPEN311}/requests/{unknown}.{suffix}")
            assert spec_errors(refused, 404) == ["There is no such request."]


def test_requests_are_public_reports_without_anything_personal(feedback, web_session):
    [made] = reported(report(name="Anna Schmidt", email="anna.schmidt@example.org"))
    with as_caller("citizen", "ben") as ben:
        ben.feedback.submit_idea(idea())

    answer = web_session.get(f"{OPEN311}/requests.json")

    assert answer.status_code == 200, answer.text
    [request] = answer.json()
    assert set(request) == REQUEST_KEYS
    assert request["service_request_id"] == made["id"]
    assert (request["status"], request["service_code"]) == ("open", "streetlight")
    assert request["service_name"] == "Straßenbeleuchtung defekt"
    assert request["requested_datetime"] == made["submitted_at"]
    # blurred: near the market, not on it
    assert (request["lat"], request["long"]) != MARKET
    assert abs(request["lat"] - MARKET[0]) < 0.001 and abs(request["long"] - MARKET[1]) < 0.001
    as_xml = web_session.get(f"{OPEN311}/requests.xml").text
    for personal in ("anna", "Schmidt", "example.org", str(MARKET[0]), str(MARKET[1])):
        assert personal not in answer.text and personal not in as_xml


def test_a_hidden_report_is_not_listed_nor_found(feedback, web_session):
    shown, hidden = reported(report(), report(title="Beleidigender Text"))
    with as_caller("clerk", "moderator", EVERY_DEPARTMENT) as clerk:
        clerk.feedback.moderate("item", hidden["id"], {"decision": "hide", "reason": "Beleidigung"})

    listed = web_session.get(f"{OPEN311}/requests.json").json()

    assert ids(listed) == [shown["id"]]
    by_id = web_session.get(f"{OPEN311}/requests.json", params={"service_request_id": hidden["id"]})
    assert by_id.json() == []
    assert spec_errors(web_session.get(f"{OPEN311}/requests/{hidden['id']}.json"), 404)


# XML


def test_every_endpoint_answers_xml_with_the_spec_element_names_and_the_same_data(
    feedback, web_session
):
    _light, pothole = reported(report(), report(category="pothole"))
    closed(pothole, "Geflickt & verdichtet: <sofort>.")

    answers = {
        "services": in_both_formats(web_session, "services", "services"),
        "a choice": in_both_formats(web_session, "services/streetlight", "service_definition"),
        "yes or no": in_both_formats(
            web_session, "services/litter", "service_definition", language="en"
        ),
        "no questions": in_both_formats(web_session, "services/green_space", "service_definition"),
        "requests": in_both_formats(web_session, "requests", "service_requests"),
        "a request": in_both_formats(web_session, f"requests/{pothole['id']}", "service_requests"),
        "discovery": in_both_formats(web_session, "discovery", "discovery"),
    }

    for name, (as_json, from_its_xml) in answers.items():
        assert from_its_xml == as_text(as_json), name
    requests_in_xml = answers["requests"][1]
    assert len(requests_in_xml) == 2
    [closed_in_xml] = answers["a request"][1]
    assert closed_in_xml["status_notes"] == "Geflickt & verdichtet: <sofort>."
    fault = answers["a choice"][1]["attributes"][0]
    assert fault["values"][0] == {"key": "dark", "name": "Leuchtet nicht"}
    assert answers["yes or no"][1]["attributes"][0]["values"][0] == {"key": "true", "name": "Yes"}


def test_a_georeport_client_reads_the_xml(xml_client):
    [made] = reported(report())

    services = xml_client.get_service_list()
    definition = xml_client.get_service_definition("streetlight")
    found = xml_client.get_service_requests(service_request_id=made["id"])
    request = xml_client.get_service_request(made["id"])

    assert "streetlight" in [service["service_code"] for service in services]
    fault = definition["attributes"]["attribute"][0]
    assert fault["values"]["value"][0] == {"key": "dark", "name": "Leuchtet nicht"}
    # one request: xmltodict reads a lone element as itself, not as a list
    assert found["service_request_id"] == request["service_request_id"] == made["id"]
    assert request["status"] == "open"


# discovery


def test_discovery_names_the_endpoint_its_formats_and_when_its_services_changed(
    feedback, web_session, endpoint
):
    answer = web_session.get(f"{OPEN311}/discovery.json")

    assert answer.status_code == 200, answer.text
    discovery = answer.json()
    assert discovery["changeset"] == "2026-12-01T00:00:00+01:00"
    assert "Bürgerbüro" in discovery["contact"] and discovery["key_service"]
    assert discovery["endpoints"] == [
        {
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": endpoint,
            "changeset": "2026-12-01T00:00:00+01:00",
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }
    ]
    # what it names answers
    listed = GeoReport(discovery["endpoints"][0]["url"]).get_service_list()
    assert "pothole" in [service["service_code"] for service in listed]


@pytest.mark.parametrize("public_url", ["https://buergerservice.soest.de/"])
def test_discovery_names_the_public_address_the_gateway_is_configured_with(
    feedback, web_session, public_url
):
    _, from_its_xml = in_both_formats(web_session, "discovery", "discovery")

    [endpoint] = from_its_xml["endpoints"]
    assert endpoint["url"] == f"https://buergerservice.soest.de{OPEN311}"
    assert endpoint["formats"] == ["application/json", "text/xml"]


# errors


@pytest.mark.parametrize(
    ("arguments", "mentioned"),
    [
        ({"start_date": "last tuesday"}, "start_date:"),
        ({"start_date": "2026-11-01T00:00:00"}, "start_date:"),  # no UTC offset
        ({"end_date": "2026-13-01T00:00:00Z"}, "end_date:"),
        ({"status": "fixed"}, "status:"),
        ({"status": "open,fixed"}, "status:"),
        ({"service_code": "unicorns"}, "service_code: No service 'unicorns'."),
        ({"service_code": "streetlight,mobility"}, "service_code: No service 'mobility'."),
        (
            {"start_date": "2026-11-01T00:00:00Z", "end_date": "2026-10-01T00:00:00Z"},
            "end_date: Not after start_date.",
        ),
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            "end_date: More than 90 days after start_date",
        ),
        ({"bbox": "8,51"}, "south,west,north,east"),
        ({"limit": "0"}, "limit:"),
        ({"colour": "red"}, "colour: Unknown field."),
    ],
)
def test_a_bad_filter_gets_the_spec_error_list_and_400(feedback, web_session, arguments, mentioned):
    for suffix in ("json", "xml"):
        answer = web_session.get(f"{OPEN311}/requests.{suffix}", params=arguments)

        [description] = spec_errors(answer, 400)
        assert mentioned in description


def test_a_georeport_client_learns_of_a_malformed_date_from_a_400(client):
    with pytest.raises(requests.HTTPError) as refused:
        client.get_service_requests(start_date="gestern")

    assert refused.value.response.status_code == 400
    [error] = refused.value.response.json()
    assert error["code"] == 400 and error["description"].startswith("start_date:")


def test_another_towns_jurisdiction_is_not_found_and_ours_may_be_sent_or_left_out(
    feedback, web_session
):
    [made] = reported(report())
    paths = ("services", "services/streetlight", "requests", f"requests/{made['id']}")

    for path in paths:
        for suffix in ("json", "xml"):
            answer = web_session.get(
                f"{OPEN311}/{path}.{suffix}", params={"jurisdiction_id": "dortmund.de"}
            )
            [description] = spec_errors(answer, 404)
            assert "'dortmund.de'" in description and "soest.de" in description
        for ours in ("soest.de", "www.soest.de", "SOEST.DE", ""):
            answer = web_session.get(f"{OPEN311}/{path}.json", params={"jurisdiction_id": ours})
            assert answer.status_code == 200, answer.text
