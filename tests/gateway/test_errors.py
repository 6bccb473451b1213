"""Every error is one JSON shape with the right status; bad input is never a 500 or HTML."""

from __future__ import annotations

import json
import socket

import pytest

from tests.gateway.doubles import Echo, GatewayUnderTest
from tests.support.gateway import MAX_BODY_BYTES

DEV_LOGIN = "/api/v1/auth/dev-login"


def error_of(answer) -> dict:
    assert answer.headers["Content-Type"] == "application/json", answer.text
    body = answer.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def post_json_text(web_session, text: str | bytes, content_type="application/json"):
    return web_session.post(DEV_LOGIN, data=text, headers={"Content-Type": content_type})


def test_an_unknown_route_is_a_json_404(gateway, web_session):
    answer = web_session.get("/api/v1/no-such-thing")

    assert answer.status_code == 404
    assert error_of(answer)["code"] == "not_found"


def test_a_path_with_a_trailing_or_doubled_slash_is_not_redirected(gateway, web_session):
    for path in ("/api//v1/me", "/health/x"):
        answer = web_session.get(path, allow_redirects=False)
        assert answer.status_code == 404, path
        assert error_of(answer)["code"] == "not_found"


def test_a_wrong_method_on_a_known_route_is_405_with_the_allowed_methods(gateway, web_session):
    answer = web_session.delete("/health")

    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET, HEAD"
    assert error_of(answer) == {
        "code": "method_not_allowed",
        "message": "This route does not take that method.",
        "details": {"allowed": ["GET", "HEAD"]},
    }


def test_malformed_json_is_refused_with_400(gateway, web_session):
    answer = post_json_text(web_session, '{"subject": "anna", ')

    assert answer.status_code == 400
    error = error_of(answer)
    assert error["code"] == "malformed_json"
    assert "reason" in error["details"]


@pytest.mark.parametrize(
    "raw",
    ['{"subject": "anna", "role": "citizen"}'.encode("utf-16"), b'{"n": NaN}', b""],
    ids=["utf-16", "nan", "empty"],
)
def test_a_body_that_is_not_plain_utf8_json_is_malformed(gateway, web_session, raw):
    answer = post_json_text(web_session, raw)

    assert answer.status_code == 400
    assert error_of(answer)["code"] == "malformed_json"


def test_a_body_that_is_not_a_json_object_is_invalid_input(gateway, web_session):
    answer = post_json_text(web_session, '["anna", "citizen"]')

    assert answer.status_code == 400
    assert error_of(answer) == {
        "code": "invalid_input",
        "message": "The body must be a JSON object.",
        "details": {"_schema": ["Must be a JSON object."]},
    }


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (
            {"subject": "anna", "role": "citizen", "is_admin": True},
            {"is_admin": ["Unknown field."]},
        ),
        (
            {"subject": 42, "role": "mayor"},
            {
                "subject": ["Not a valid string."],
                "role": ["Must be one of: citizen, clerk, admin."],
            },
        ),
        (
            {},
            {
                "subject": ["Missing data for required field."],
                "role": ["Missing data for required field."],
            },
        ),
    ],
    ids=["unknown-field", "wrong-types", "missing-fields"],
)
def test_a_body_that_does_not_fit_the_schema_lists_each_fields_messages(
    gateway, web_session, body, details
):
    answer = web_session.post(DEV_LOGIN, json=body)

    assert answer.status_code == 400
    assert error_of(answer) == {
        "code": "invalid_input",
        "message": "Some fields are not acceptable.",
        "details": details,
    }


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_by_content_type_is_415(gateway, web_session, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    answer = web_session.post(
        DEV_LOGIN, data=b'{"subject": "anna", "role": "citizen"}', headers=headers
    )

    assert answer.status_code == 415
    assert error_of(answer)["code"] == "unsupported_media_type"


def test_json_with_a_charset_parameter_is_accepted(gateway, web_session):
    answer = post_json_text(
        web_session,
        '{"subject": "anna", "role": "citizen"}',
        content_type="application/json; charset=utf-8",
    )

    assert answer.status_code == 200


def test_a_required_body_that_is_missing_is_refused_as_not_json(gateway, web_session):
    answer = web_session.post(DEV_LOGIN)

    assert answer.status_code == 415
    error = error_of(answer)
    assert error["code"] == "unsupported_media_type"
    assert error["message"] == "Send the body as application/json."


@pytest.mark.parametrize(
    "headers", [{}, {"Content-Type": "application/json"}], ids=["no-type", "json"]
)
def test_an_optional_body_may_be_left_out(gateway_under_test, web_session, headers):
    answer = web_session.post("/test/options", headers=headers)

    assert answer.request.headers["Content-Length"] == "0"
    assert answer.status_code == 200, answer.text
    assert answer.json() == {}


def test_an_optional_body_may_be_left_out_without_a_content_length(
    gateway_under_test, web_config_port
):
    with socket.create_connection(("127.0.0.1", web_config_port), timeout=5) as connection:
        connection.sendall(
            b"POST /test/options HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        answer = b"".join(iter(lambda: connection.recv(4096), b""))

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), answer
    assert json.loads(body) == {}


def test_an_optional_body_that_is_sent_is_still_checked(gateway_under_test, web_session):
    assert web_session.post("/test/options", json={"size": 2}).json() == {"size": 2}
    as_text = web_session.post(
        "/test/options", data=b'{"size": 2}', headers={"Content-Type": "text/plain"}
    )
    assert as_text.status_code == 415
    wrong = web_session.post("/test/options", json={"size": "big", "shape": "round"})
    assert wrong.status_code == 400
    assert set(error_of(wrong)["details"]) == {"size", "shape"}


def oversize_body() -> bytes:
    padding = "x" * MAX_BODY_BYTES
    return json.dumps({"subject": padding, "role": "citizen"}).encode()


def test_a_body_over_the_limit_is_413(gateway, web_session):
    answer = post_json_text(web_session, oversize_body())

    assert answer.status_code == 413
    assert error_of(answer) == {
        "code": "payload_too_large",
        "message": f"The body may have at most {MAX_BODY_BYTES} bytes.",
        "details": {"max_body_bytes": MAX_BODY_BYTES},
    }


def chunks(data: bytes, size: int = 100):
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_a_chunked_body_over_the_limit_is_413_without_a_content_length(gateway, web_session):
    answer = web_session.post(
        DEV_LOGIN, data=chunks(oversize_body()), headers={"Content-Type": "application/json"}
    )

    assert answer.request.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in answer.request.headers
    assert answer.status_code == 413
    assert error_of(answer)["code"] == "payload_too_large"
    # the connection stays usable
    assert web_session.get("/api/v1/openapi.json").status_code == 200


def test_a_chunked_body_within_the_limit_is_read_whole(gateway, web_session):
    body = json.dumps({"subject": "anna", "role": "citizen"}).encode()
    answer = web_session.post(
        DEV_LOGIN, data=chunks(body, 7), headers={"Content-Type": "application/json"}
    )

    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"


@pytest.fixture
def gateway_and_echo(start_gateway, container_factory):
    echo = container_factory(Echo)
    echo.start()
    return start_gateway(GatewayUnderTest)


def test_a_typed_error_from_a_service_keeps_its_code_status_and_details(
    gateway_and_echo, web_session
):
    answer = web_session.get("/test/conflict")

    assert answer.status_code == 409
    assert error_of(answer) == {
        "code": "conflict",
        "message": "That slot is taken.",
        "details": {"slot": "2026-03-02T09:00"},
    }


@pytest.mark.parametrize("path", ["/test/remote-crash", "/test/local-crash"])
def test_a_bug_is_a_generic_500_that_leaks_nothing(gateway_and_echo, web_session, path):
    answer = web_session.get(path)

    assert answer.status_code == 500
    error = error_of(answer)
    assert error["code"] == "internal_error"
    assert error["details"] is None
    assert "X-Correlation-ID" in error["message"]
    for secret in ("hunter2", "RuntimeError", "KeyError", "Traceback", "internals"):
        assert secret not in answer.text


def test_a_service_that_is_not_running_is_a_503(start_gateway, web_session, login):
    start_gateway(GatewayUnderTest)

    answer = web_session.get("/test/echo", headers=login("clerk"))

    assert answer.status_code == 503
    error = error_of(answer)
    assert error["code"] == "service_unavailable"
    assert "echo" in error["message"]
    assert error["details"]["service"] == "echo"
