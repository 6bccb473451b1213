"""Who may do what: bearer tokens from dev-login or an OIDC provider, roles enforced."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from services.gateway.auth import TokenVerifier
from services.gateway.settings import AuthSettings
from tests.gateway.doubles import Echo, GatewayUnderTest
from tests.gateway.identity_provider import AUDIENCE, ISSUER, new_key
from tests.support.gateway import DEV_AUTH, DEV_SECRET

DEAD_LETTERS = "/api/v1/admin/dead-letters"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_refused(answer, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    if status == 401:
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    return error


def test_dev_login_issues_a_bearer_token_that_says_who_signed_in(gateway, web_session):
    answer = web_session.post(
        "/api/v1/auth/dev-login", json={"subject": "clerk.meier", "role": "clerk"}
    )

    assert answer.status_code == 200
    token = answer.json()
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == DEV_AUTH["token_lifetime"]
    me = web_session.get("/api/v1/me", headers=bearer(token["access_token"]))
    assert me.status_code == 200
    assert me.json() == {"subject": "clerk.meier", "role": "clerk", "departments": [], "name": None}


def test_me_names_the_clerks_departments_and_name(gateway, web_session):
    login = {"subject": "clerk.koch", "role": "clerk", "departments": ["roads"]}
    token = web_session.post("/api/v1/auth/dev-login", json={**login, "name": "Jana Koch"})

    me = web_session.get("/api/v1/me", headers=bearer(token.json()["access_token"]))

    assert me.json() == {**login, "name": "Jana Koch"}


def test_a_route_that_needs_a_signed_in_caller_answers_401_without_a_token(gateway, web_session):
    for headers in ({}, {"Authorization": "Basic YW5uYTpzZWNyZXQ="}):
        error = assert_refused(
            web_session.get("/api/v1/me", headers=headers), 401, "unauthenticated"
        )
        assert "bearer token" in error["message"]


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", ""], ids=["garbage", "dots", "empty"])
def test_a_token_that_is_not_a_jwt_is_refused_as_invalid(gateway, web_session, token):
    answer = web_session.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert_refused(answer, 401, "invalid_token")
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]


def test_a_citizen_cannot_list_dead_letters(gateway, web_session, login):
    error = assert_refused(
        web_session.get(DEAD_LETTERS, headers=login("citizen")), 403, "forbidden"
    )
    assert error["details"] == {"role": "citizen"}


def test_a_clerk_cannot_replay_dead_letters(gateway, web_session, login):
    answer = web_session.post(f"{DEAD_LETTERS}/replay", json={"all": True}, headers=login("clerk"))

    assert_refused(answer, 403, "forbidden")


def test_the_role_is_checked_before_the_body_is_read(gateway, web_session):
    answer = web_session.post(f"{DEAD_LETTERS}/discard", data="not json")

    assert_refused(answer, 401, "unauthenticated")


def dev_token(secret: str = DEV_SECRET, **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": DEV_AUTH["issuer"],
        "aud": DEV_AUTH["audience"],
        "sub": "anna",
        "role": "admin",
        "iat": now,
        "exp": now + 60,
        **overrides,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def test_a_dev_token_signed_with_another_secret_is_refused(gateway, web_session):
    forged = dev_token(secret="an-attacker-guessed-this-secret-of-32-chars")

    assert_refused(web_session.get(DEAD_LETTERS, headers=bearer(forged)), 401, "invalid_token")


def test_an_expired_dev_token_is_refused(gateway, web_session):
    expired = dev_token(exp=int(time.time()) - 3600)

    error = assert_refused(
        web_session.get("/api/v1/me", headers=bearer(expired)), 401, "invalid_token"
    )
    assert error["message"] == "The token has expired."


def test_dev_login_does_not_exist_when_it_is_switched_off(start_gateway, web_session):
    start_gateway(auth={**DEV_AUTH, "dev_login": False})

    answer = web_session.post("/api/v1/auth/dev-login", json={"subject": "anna", "role": "admin"})

    assert_refused(answer, 404, "not_found")


def test_dev_tokens_are_refused_when_dev_login_is_switched_off(start_gateway, web_session):
    start_gateway(auth={**DEV_AUTH, "dev_login": False})

    answer = web_session.get("/api/v1/me", headers=bearer(dev_token()))

    assert_refused(answer, 401, "invalid_token")


def test_a_token_with_departments_gives_a_caller_with_them():
    verifier = TokenVerifier(AuthSettings(**DEV_AUTH))

    clerk = verifier.verify(dev_token(role="clerk", departments=["roads", "environment"]))
    without = verifier.verify(dev_token(role="clerk"))

    assert (clerk.subject, clerk.role, clerk.departments) == (
        "anna",
        "clerk",
        ("roads", "environment"),
    )
    assert without.departments == ()


@pytest.fixture
def gateway_and_echo(start_gateway, container_factory):
    echo = container_factory(Echo)
    echo.start()
    return start_gateway(GatewayUnderTest)


def test_dev_login_with_departments_signs_in_a_clerk_whose_departments_reach_the_services(
    gateway_and_echo, web_session
):
    answer = web_session.post(
        "/api/v1/auth/dev-login",
        json={"subject": "clara", "role": "clerk", "departments": ["roads", "environment"]},
    )
    assert answer.status_code == 200, answer.text

    echoed = web_session.get("/test/echo", headers=bearer(answer.json()["access_token"]))

    assert echoed.status_code == 200, echoed.text
    assert echoed.json()["user_departments"] == ["roads", "environment"]


@pytest.mark.parametrize(
    "departments",
    ["roads", [""], ["x" * 65], [42], {"roads": True}, None],
    ids=["a-string", "empty-name", "long-name", "a-number", "an-object", "null"],
)
def test_dev_login_refuses_departments_that_are_not_a_list_of_names(
    gateway, web_session, departments
):
    answer = web_session.post(
        "/api/v1/auth/dev-login",
        json={"subject": "clara", "role": "clerk", "departments": departments},
    )

    assert_refused(answer, 400, "invalid_input")


@pytest.mark.parametrize(
    "departments",
    ["roads", [""], ["x" * 65], ["roads", 7], {"roads": True}, None, ["d"] * 51],
    ids=["a-string", "empty-name", "long-name", "a-number", "an-object", "null", "too-many"],
)
def test_a_token_whose_departments_claim_is_not_a_list_of_names_is_refused(
    gateway, web_session, departments
):
    token = dev_token(role="clerk", departments=departments)

    error = assert_refused(
        web_session.get("/api/v1/me", headers=bearer(token)), 401, "invalid_token"
    )
    assert error["message"] == "The token's departments are not a list of department names."


NOT_PLAIN_SUBJECTS = [
    "role:clerk",
    "department:roads",
    "anna\nadmin",
    "nul\x00",
    "tab\t",
    " anna",
    "",
]


@pytest.mark.parametrize("subject", NOT_PLAIN_SUBJECTS, ids=repr)
def test_a_token_whose_subject_is_not_a_plain_identifier_is_refused(gateway, web_session, subject):
    token = dev_token(sub=subject)

    error = assert_refused(
        web_session.get("/api/v1/me", headers=bearer(token)), 401, "invalid_token"
    )
    assert error["message"] == "The token's subject is not a plain identifier."


@pytest.mark.parametrize("subject", NOT_PLAIN_SUBJECTS, ids=repr)
def test_dev_login_refuses_a_subject_that_is_not_a_plain_identifier(gateway, web_session, subject):
    answer = web_session.post(
        "/api/v1/auth/dev-login", json={"subject": subject, "role": "citizen"}
    )

    assert_refused(answer, 400, "invalid_input")


@pytest.mark.parametrize(
    "subject", ["b7f3c2a0-1d2e-4f5a-9b8c-0123456789ab", "anna.schmidt@example.org", "auth0|42"]
)
def test_subjects_identity_providers_use_are_plain_identifiers(gateway, web_session, subject):
    me = web_session.get("/api/v1/me", headers=bearer(dev_token(sub=subject)))

    assert me.json()["subject"] == subject


@pytest.fixture
def oidc_gateway(start_gateway, identity_provider):
    """The gateway as in production: no dev-login, tokens from the identity provider."""

    def start(**auth):
        return start_gateway(
            auth={
                "dev_login": False,
                "issuer": ISSUER,
                "audience": AUDIENCE,
                "jwks_url": identity_provider.jwks_url,
                **auth,
            }
        )

    return start


def test_a_token_from_the_identity_provider_is_verified_against_its_jwks(
    oidc_gateway, identity_provider, web_session
):
    oidc_gateway()

    answer = web_session.get("/api/v1/me", headers=bearer(identity_provider.token()))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "subject": "b7f3c2-anna-schmidt",
        "role": "citizen",
        "departments": [],
        "name": None,
    }


def test_the_jwks_is_fetched_once_and_then_served_from_the_cache(
    oidc_gateway, identity_provider, web_session
):
    oidc_gateway()

    for _ in range(3):
        answer = web_session.get("/api/v1/me", headers=bearer(identity_provider.token()))
        assert answer.status_code == 200

    assert identity_provider.fetches == 1


def test_the_highest_role_of_a_roles_list_counts(oidc_gateway, identity_provider, web_session):
    oidc_gateway()
    token = identity_provider.token(role=None, roles=["citizen", "admin", "auditor"])

    answer = web_session.get(DEAD_LETTERS, headers=bearer(token))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"dead_letters": [], "count": 0}


def test_the_role_claim_is_configurable_and_may_be_nested(
    oidc_gateway, identity_provider, web_session
):
    oidc_gateway(role_claim="realm_access.roles")
    token = identity_provider.token(role=None, realm_access={"roles": ["clerk", "offline"]})

    answer = web_session.get("/api/v1/me", headers=bearer(token))

    assert answer.json() == {
        "subject": "b7f3c2-anna-schmidt",
        "role": "clerk",
        "departments": [],
        "name": None,
    }


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"exp": int(time.time()) - 600}, "The token has expired."),
        ({"iss": "https://login.elsewhere.test"}, "The token was issued by someone else."),
        ({"aud": "another-application"}, "The token is meant for someone else."),
        ({"role": "mayor"}, "The token names no role this platform knows."),
        ({"sub": None}, "The token lacks a required claim."),
    ],
    ids=["expired", "wrong-issuer", "wrong-audience", "unknown-role", "no-subject"],
)
def test_an_identity_provider_token_with_wrong_claims_is_refused(
    oidc_gateway, identity_provider, web_session, claims, message
):
    oidc_gateway()

    answer = web_session.get("/api/v1/me", headers=bearer(identity_provider.token(**claims)))

    error = assert_refused(answer, 401, "invalid_token")
    assert error["message"] == message


def test_a_token_signed_with_another_key_is_refused(oidc_gateway, identity_provider, web_session):
    oidc_gateway()
    forged = identity_provider.sign(identity_provider.claims(role="admin"), key=new_key())

    error = assert_refused(
        web_session.get(DEAD_LETTERS, headers=bearer(forged)), 401, "invalid_token"
    )
    assert error["message"] == "The token's signature does not match."


def test_a_token_with_a_key_id_the_provider_does_not_list_is_refused(
    oidc_gateway, identity_provider, web_session
):
    oidc_gateway()
    forged = identity_provider.sign(identity_provider.claims(), key=new_key(), kid="key-0")

    assert_refused(web_session.get("/api/v1/me", headers=bearer(forged)), 401, "invalid_token")


def test_a_token_signed_with_the_public_key_as_an_hmac_secret_is_refused(
    oidc_gateway, identity_provider, web_session
):
    oidc_gateway()
    public_pem = identity_provider.key.public_key().public_bytes(  # anyone can read it
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forged = hmac_signed(identity_provider.claims(role="admin"), public_pem)

    assert_refused(web_session.get(DEAD_LETTERS, headers=bearer(forged)), 401, "invalid_token")


def hmac_signed(claims: dict, secret: bytes) -> str:
    """HS256 by hand: PyJWT itself refuses to use a PEM key as an HMAC secret."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "key-1"}).encode())
    payload = part(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{part(signature)}"


def test_an_unsigned_token_is_refused(oidc_gateway, identity_provider, web_session):
    oidc_gateway()
    unsigned = jwt.encode(identity_provider.claims(role="admin"), None, algorithm="none")

    assert_refused(web_session.get(DEAD_LETTERS, headers=bearer(unsigned)), 401, "invalid_token")


def test_an_unreachable_identity_provider_is_a_503_not_a_refusal(
    start_gateway, identity_provider, web_session
):
    start_gateway(
        auth={
            "issuer": ISSUER,
            "audience": AUDIENCE,
            "jwks_url": "http://127.0.0.1:9/jwks.json",  # the discard port: nobody listens
        }
    )

    answer = web_session.get("/api/v1/me", headers=bearer(identity_provider.token()))

    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "service_unavailable"
