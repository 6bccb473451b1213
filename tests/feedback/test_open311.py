"""Open311 GeoReport v2 through the gateway, as an existing map app reads it: the report
categories as services, public reports as service requests, nothing personal."""

from __future__ import annotations

from tests.feedback.conftest import MARKET, idea, report
from tests.support.clients import as_caller

OPEN311 = "/api/v1/feedback/open311/v2"
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


def assert_error(answer, status: int, code: str) -> None:
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text


def reported(*bodies: dict, citizen: str = "anna") -> list[dict]:
    with as_caller("citizen", citizen) as caller:
        return [caller.feedback.submit_report(body) for body in bodies]


def test_the_services_are_the_report_categories_with_metadata_where_they_ask_more(
    feedback, web_session
):
    answer = web_session.get(f"{OPEN311}/services.json", params={"jurisdiction_id": "soest.de"})

    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    services = {service["service_code"]: service for service in answer.json()}
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


def test_a_service_definition_lists_its_questions_as_attributes(feedback, web_session):
    answer = web_session.get(f"{OPEN311}/services/streetlight.json", params={"language": "en"})

    assert answer.status_code == 200, answer.text
    definition = answer.json()
    assert definition["service_code"] == "streetlight"
    fault, pole = definition["attributes"]
    assert fault == {
        "variable": True,
        "code": "fault",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "",
        "order": 1,
        "description": "What is wrong?",
        "values": [
            {"key": "dark", "name": "dark"},
            {"key": "flickering", "name": "flickering"},
            {"key": "lit_by_day", "name": "lit_by_day"},
        ],
    }
    assert (pole["code"], pole["datatype"], pole["required"]) == ("pole_number", "string", False)
    assert web_session.get(f"{OPEN311}/services/green_space.json").json()["attributes"] == []


def test_an_unknown_service_or_an_idea_category_is_not_found(feedback, web_session):
    assert_error(web_session.get(f"{OPEN311}/services/unicorns.json"), 404, "unknown_category")
    assert_error(web_session.get(f"{OPEN311}/services/mobility.json"), 404, "unknown_category")
    assert_error(web_session.get(f"{OPEN311}/services/streetlight.xml"), 404, "not_found")


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
    assert request["agency_responsible"] == "Tiefbau und Straßen"
    assert request["requested_datetime"] == made["submitted_at"]
    assert request["description"].startswith(made["title"])
    # blurred: near the market, not on it
    assert (request["lat"], request["long"]) != MARKET
    assert abs(request["lat"] - MARKET[0]) < 0.001 and abs(request["long"] - MARKET[1]) < 0.001
    for personal in ("anna", "Schmidt", "example.org", str(MARKET[0]), str(MARKET[1])):
        assert personal not in answer.text


def test_requests_are_filtered_by_service_code_status_and_time(feedback, web_session):
    light, pothole, litter = reported(
        report(),
        report(category="pothole"),
        report(category="litter", answers={"hazardous": False}),
    )
    with as_caller("clerk", "clerk-roads") as clerk:
        clerk.feedback.change_status(pothole["id"], {"status": "done", "answer": "Geflickt."})

    def ids(**params) -> list[str]:
        answer = web_session.get(f"{OPEN311}/requests.json", params=params)
        assert answer.status_code == 200, answer.text
        return [request["service_request_id"] for request in answer.json()]

    assert ids(service_code="streetlight") == [light["id"]]
    assert ids(service_code="streetlight,litter") == [litter["id"], light["id"]]
    assert ids(status="closed") == [pothole["id"]]
    assert ids(status="open") == [litter["id"], light["id"]]
    assert ids(start_date="2000-01-01T00:00:00Z", end_date="2000-12-31T00:00:00Z") == []
    assert len(ids(start_date=light["submitted_at"])) == 3
    closed = web_session.get(f"{OPEN311}/requests/{pothole['id']}.json").json()[0]
    assert (closed["status"], closed["status_notes"]) == ("closed", "Geflickt.")
    assert_error(
        web_session.get(f"{OPEN311}/requests.json", params={"status": "fixed"}),
        400,
        "invalid_input",
    )
    assert_error(
        web_session.get(f"{OPEN311}/requests.json", params={"bbox": "8,51"}), 400, "invalid_bbox"
    )


def test_a_hidden_report_is_not_listed_nor_found(feedback, web_session):
    shown, hidden = reported(report(), report(title="Beleidigender Text"))
    with as_caller("clerk", "moderator") as clerk:
        clerk.feedback.moderate("item", hidden["id"], {"decision": "hide", "reason": "Beleidigung"})

    listed = web_session.get(f"{OPEN311}/requests.json").json()

    assert [request["service_request_id"] for request in listed] == [shown["id"]]
    assert_error(web_session.get(f"{OPEN311}/requests/{hidden['id']}.json"), 404, "item_not_found")


def test_one_request_is_an_array_of_one_and_an_unknown_one_is_not_found(feedback, web_session):
    [made] = reported(report())

    answer = web_session.get(f"{OPEN311}/requests/{made['id']}.json")

    assert answer.status_code == 200, answer.text
    [request] = answer.json()
    assert request["service_request_id"] == made["id"] and set(request) == REQUEST_KEYS
    unknown = "00000000-0000-4000-8000-000000000000"
    assert_error(web_session.get(f"{OPEN311}/requests/{unknown}.json"), 404, "item_not_found")
    assert_error(web_session.get(f"{OPEN311}/requests/not-an-id.json"), 404, "item_not_found")
    with as_caller("citizen", "anna") as anna:
        proposal = anna.feedback.submit_idea(idea())
    assert_error(
        web_session.get(f"{OPEN311}/requests/{proposal['id']}.json"), 404, "item_not_found"
    )
