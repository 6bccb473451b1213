"""A caller on RPC is who a trusted key says, on every service; a claimed identity is nobody.

Each business service runs for real. A client on the broker that writes a caller into
context_data (as stock nameko allows), or sends an assertion that is unsigned, forged,
signed with a key the platform does not trust, tampered with or expired, is anonymous and
is refused where a caller is needed. The same call signed with the trusted key works.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nameko import config

from services.applications.service import ApplicationsService
from services.appointments.service import AppointmentsService
from services.common.errors import Forbidden, Unauthenticated
from services.common.identity import (
    DEVELOPMENT_KEY_ID,
    DEVELOPMENT_SIGNING_KEY,
    Caller,
    IdentitySigner,
)
from services.common.migrations import upgrade
from services.common.settings import database_url
from services.documents.service import DocumentsService
from services.feedback.service import FeedbackService
from services.notifications.service import NotificationsService
from tests.support.clients import cluster_client, signed

SERVICES = {
    "appointments": AppointmentsService,
    "applications": ApplicationsService,
    "documents": DocumentsService,
    "notifications": NotificationsService,
    "feedback": FeedbackService,
}
# per service, a read that needs a signed-in caller of the role, its arguments, and what a
# new caller gets from it
CALLS = {
    "appointments": ("citizen", "my_appointments", (), []),
    "applications": ("citizen", "my_cases", (), []),
    "documents": ("citizen", "list_documents", (), {"documents": [], "count": 0}),
    "notifications": ("citizen", "unread_count", (), {"unread": 0}),
    "feedback": ("citizen", "my_items", (), []),
}
MALLORY = Caller("mallory", "clerk")


@pytest.fixture
def platform_services(platform_config, container_factory):
    for name, service_class in SERVICES.items():
        upgrade(name, database_url(name))
        container_factory(service_class).start()


def call(service: str, context: dict):
    _, method, args, _ = CALLS[service]
    with cluster_client(context, timeout=10, raw_context=True) as client:
        return getattr(getattr(client, service), method)(*args)


def _other_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _encode(claims: dict, key, kid: str = DEVELOPMENT_KEY_ID) -> str:
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})


def _claims(role: str) -> dict:
    now = int(time.time())
    return {"aud": "rathaus-rpc", "sub": "mallory", "role": role, "iat": now, "exp": now + 300}


def _tampered(role: str) -> str:
    token = signed("citizen", "mallory")["identity"]
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin" if role == "citizen" else role
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def _unsigned(role: str) -> str:
    return jwt.encode(_claims(role), None, algorithm="none", headers={"kid": DEVELOPMENT_KEY_ID})


def _expired(role: str) -> str:
    signer = IdentitySigner(DEVELOPMENT_KEY_ID, DEVELOPMENT_SIGNING_KEY, lifetime=-60)
    return signer.sign(Caller("mallory", role))


FORGERIES = {
    # stock nameko's way: the caller written into context_data
    "claimed": lambda role: None,
    "unsigned": _unsigned,
    # the trusted key id, but the signature of a key the attacker made
    "forged": lambda role: _encode(_claims(role), _other_key()),
    "wrong-key": lambda role: _encode(_claims(role), _other_key(), kid="mallorys-portal"),
    "tampered": _tampered,
    "expired": _expired,
    "garbage": lambda role: "not.an.assertion",
}


def forged_context(kind: str, role: str) -> dict:
    if kind == "claimed":
        return {"user_id": "mallory", "user_role": role, "user_departments": ["roads"]}
    return {"identity": FORGERIES[kind](role)}


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("kind", [*FORGERIES, "missing"])
def test_a_caller_the_platform_did_not_sign_is_refused_by_every_service(
    platform_services, service, kind
):
    role = CALLS[service][0]
    context = {} if kind == "missing" else forged_context(kind, role)

    with pytest.raises(Unauthenticated):
        call(service, context)


@pytest.mark.parametrize("service", SERVICES)
def test_a_caller_signed_with_the_trusted_key_is_served_by_every_service(
    platform_services, service
):
    role = CALLS[service][0]

    answer = call(service, signed(role, "erika"))

    assert answer == CALLS[service][3]


@pytest.mark.parametrize("service", ["appointments", "documents", "notifications"])
def test_a_signed_citizen_is_still_refused_what_only_the_office_may_do(platform_services, service):
    office_only = {
        "appointments": ("day_list", ("rathaus", "2026-03-02")),
        "documents": ("audit_trail", ()),
        "notifications": ("deliveries", ()),
    }
    method, args = office_only[service]

    with (
        cluster_client(signed("citizen", "erika"), raw_context=True) as client,
        pytest.raises(Forbidden),
    ):
        getattr(getattr(client, service), method)(*args)


def test_mallory_writing_herself_a_clerk_into_the_context_reads_no_desk_list(
    platform_services,
):
    claimed = {"user_id": "mallory", "user_role": "clerk"}

    with cluster_client(claimed, raw_context=True) as client, pytest.raises(Unauthenticated):
        client.appointments.day_list("rathaus", "2026-03-02")


def test_the_documents_data_plane_believes_only_a_signed_caller(platform_services):
    address = config["DOCUMENTS"]["data_address"]
    part = f"http://{address}/uploads/no-such-upload/parts/1"
    claimed = {"X-Rathaus-Subject": "mallory", "X-Rathaus-Role": "admin"}
    forged = {"X-Rathaus-Identity": FORGERIES["forged"]("admin")}
    genuine = {"X-Rathaus-Identity": signed("citizen", "erika")["identity"]}
    part_hash = {"X-Content-SHA256": hashlib.sha256(b"part").hexdigest()}

    answers = {
        name: requests.put(part, data=b"part", headers={**headers, **part_hash}, timeout=10)
        for name, headers in (("claimed", claimed), ("forged", forged), ("genuine", genuine))
    }

    assert answers["claimed"].status_code == 401
    assert answers["forged"].status_code == 401
    assert answers["genuine"].json()["error"]["code"] == "upload_not_found"
