"""Who is calling, as a signed, short-lived assertion that every service verifies.

Stock nameko copies a worker's context_data into the headers of every RPC and event it
sends, and the receiving service believes what it finds there: a client on the broker that
writes `user_role: admin` would be an admin. Here the caller travels as an assertion: a
compact JWS (EdDSA over Ed25519) with the subject, role, departments and name, an audience
of its own and a lifetime of minutes. A service reads the caller only from an assertion it
can verify with a key it trusts; anything else (missing, unsigned, forged, expired, signed
with an unknown key, claims out of shape) is an anonymous caller.

Why a key pair and not a shared secret: only the front doors (the gateway, the portal, a
portal's own client) hold a private key; the services hold public keys. A service that is
compromised, or whose configuration leaks, can verify identities but never mint one, and
each front door signs with a key id of its own, so one can be replaced or revoked without
touching the others. Ed25519 signs and verifies in tens of microseconds, and both sides
keep what they did for as long as the assertion lives, so a call pays a dictionary lookup.

Configuration (`IDENTITY`): `key_id` and `signing_key` (base64 of the 32-byte Ed25519 private
key) for a process that signs; `trusted_keys` (`key_id=base64 public key`, comma-separated)
for every process; `lifetime` in seconds. `python -m services.common.identity` prints a new
key pair. Where none is configured and `development_key` is on (the local default), the
built-in development pair signs and is trusted; production turns it off, and a process
without the keys it needs does not start.
"""

from __future__ import annotations

import base64
import re
import sys
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from nameko.exceptions import ConfigurationError

from services.common.errors import Forbidden, Unauthenticated
from services.common.settings import flag, section

# the context_data key (and so the AMQP header) the assertion travels in
IDENTITY_KEY = "identity"
# the HTTP header that carries it to a service's own HTTP listener (the documents data plane)
IDENTITY_HEADER = "X-Rathaus-Identity"
AUDIENCE = "rathaus-rpc"
ALGORITHM = "EdDSA"
ROLES = ("citizen", "clerk", "admin")
# who may call what: the role sets every service names
CITIZEN = ("citizen",)
OFFICE = ("clerk", "admin")
ADMIN = ("admin",)
SIGNED_IN = ROLES

# a subject is a plain identifier: letters, digits and the few marks identity providers
# use (e-mail addresses, UUIDs, base64); never a colon, so that no subject looks like the
# name of a shared queue ("role:clerk"), and never white space or a control character
SUBJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~@+/=|-]{0,254}")
DEPARTMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_DEPARTMENTS = 50
MAX_NAME_LENGTH = 200

# the development key pair: known to everyone who reads this file, so never in production
DEVELOPMENT_KEY_ID = "development"
DEVELOPMENT_SIGNING_KEY = "cmF0aGF1cy1vbmxpbmUtZGV2ZWxvcG1lbnQta2V5ISE="
_CACHE_SIZE = 10_000
# a clock a little behind the signer's still accepts a fresh assertion
_LEEWAY_SECONDS = 5


@dataclass(frozen=True)
class Caller:
    subject: str | None
    role: str | None
    # the departments whose queues a clerk works (roads, environment, ...)
    departments: tuple[str, ...] = ()
    # the person's name as the identity provider states it ("Erika Mustermann"), if it does
    name: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.subject is not None

    def require(self, *roles: str) -> Caller:
        """Refuse unless the caller is signed in and (when roles are named) holds one of them."""
        if not self.is_authenticated:
            raise Unauthenticated("Sign in to do this.")
        if roles and self.role not in roles:
            raise Forbidden(f"This needs the role {' or '.join(roles)}.", {"role": self.role})
        return self


ANONYMOUS = Caller(subject=None, role=None)


def is_plain_subject(value: object) -> bool:
    return isinstance(value, str) and SUBJECT.fullmatch(value) is not None


def is_department(value: object) -> bool:
    return isinstance(value, str) and DEPARTMENT.fullmatch(value) is not None


def clean_name(value: object) -> str | None:
    """A display name with white space folded and control characters gone; None if empty."""
    if not isinstance(value, str):
        return None
    printable = "".join(char for char in value if char.isprintable())
    return " ".join(printable.split())[:MAX_NAME_LENGTH] or None


def private_key(encoded: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_raw_key(encoded, "signing_key"))


def public_key(encoded: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_raw_key(encoded, "trusted_keys"))


def public_key_of(encoded_private: str) -> str:
    raw = private_key(encoded_private).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def _raw_key(encoded: str, setting: str) -> bytes:
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ValueError(f"IDENTITY.{setting}: not the base64 of a 32-byte Ed25519 key")
    return raw


def parse_trusted_keys(value: Any) -> dict[str, Ed25519PublicKey]:
    """`{"gateway": "<base64>"}`, or the same as `gateway=<base64>,portal=<base64>`."""
    if isinstance(value, str):
        pairs = [item.split("=", 1) for item in value.split(",") if item.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError("IDENTITY.trusted_keys: write key_id=<base64 key>, comma-separated")
        value = {key_id.strip(): key.strip() for key_id, key in pairs}
    if not isinstance(value, Mapping):
        raise ValueError("IDENTITY.trusted_keys: a mapping of key ids to public keys")
    return {str(key_id): public_key(str(key)) for key_id, key in value.items()}


@dataclass(frozen=True)
class IdentitySettings:
    key_id: str = DEVELOPMENT_KEY_ID
    # None: this process signs nothing (every service but the front doors)
    signing_key: str | None = None
    # None: trust the development key alone, where `development_key` allows it
    trusted_keys: Any = None
    lifetime: int = 300
    # sign and trust the development key when no other is configured: laptops and tests only
    development_key: bool = True

    @classmethod
    def from_config(cls) -> IdentitySettings:
        configured = {name: value for name, value in section("IDENTITY").items()}
        known = {
            name: configured[name]
            for name in cls.__dataclass_fields__
            if configured.get(name) not in (None, "")
        }
        if "lifetime" in known:
            known["lifetime"] = int(known["lifetime"])
        if "development_key" in known:
            known["development_key"] = flag(known["development_key"])
        return cls(**known)

    def trusted(self) -> dict[str, Ed25519PublicKey]:
        if self.trusted_keys is not None:
            return parse_trusted_keys(self.trusted_keys)
        if not self.development_key:
            raise ConfigurationError("IDENTITY.trusted_keys: name the keys whose callers to trust")
        return {DEVELOPMENT_KEY_ID: public_key(public_key_of(DEVELOPMENT_SIGNING_KEY))}

    def signing(self) -> tuple[str, str]:
        """The key id and private key this process signs with."""
        if self.signing_key is not None:
            return self.key_id, self.signing_key
        if not self.development_key:
            raise ConfigurationError("IDENTITY.signing_key: this process signs callers")
        return DEVELOPMENT_KEY_ID, DEVELOPMENT_SIGNING_KEY


class IdentitySigner:
    """Signs callers for one front door; an assertion is reused until half its life is gone."""

    def __init__(self, key_id: str, signing_key: str, lifetime: int = 300) -> None:
        self.key_id = key_id
        self.lifetime = lifetime
        self._key = private_key(signing_key)
        self._signed: OrderedDict[Caller, tuple[str, float]] = OrderedDict()

    @classmethod
    def from_config(cls) -> IdentitySigner:
        settings = IdentitySettings.from_config()
        return cls(*settings.signing(), settings.lifetime)

    def sign(self, caller: Caller) -> str:
        now = time.time()
        cached = self._signed.get(caller)
        if cached is not None and cached[1] > now:
            return cached[0]
        issued = int(now)
        claims: dict[str, Any] = {
            "aud": AUDIENCE,
            "sub": caller.subject,
            "role": caller.role,
            "iat": issued,
            "exp": issued + self.lifetime,
        }
        if caller.departments:
            claims["departments"] = list(caller.departments)
        if caller.name:
            claims["name"] = caller.name
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.key_id})
        _remember(self._signed, caller, (token, issued + self.lifetime / 2))
        return token

    def context_for(self, caller: Caller) -> dict[str, str]:
        """The context_data entries that make a call on behalf of `caller` (none if anonymous)."""
        if not caller.is_authenticated:
            return {}
        return {IDENTITY_KEY: self.sign(caller)}


class IdentityVerifier:
    """Reads a caller from context_data; whatever it cannot verify is the anonymous caller."""

    def __init__(self, trusted_keys: Mapping[str, Ed25519PublicKey]) -> None:
        self._keys = dict(trusted_keys)
        self._verified: OrderedDict[str, tuple[Caller, float]] = OrderedDict()

    @classmethod
    def from_config(cls) -> IdentityVerifier:
        return cls(IdentitySettings.from_config().trusted())

    def caller_of(self, context_data: Mapping[str, Any]) -> Caller:
        token = context_data.get(IDENTITY_KEY)
        return self.verify(token) if isinstance(token, str) else ANONYMOUS

    def verify(self, token: str) -> Caller:
        cached = self._verified.get(token)
        if cached is not None:
            caller, expires = cached
            return caller if time.time() < expires + _LEEWAY_SECONDS else ANONYMOUS
        try:
            claims = self._claims(token)
        except (jwt.PyJWTError, ValueError, TypeError):
            return ANONYMOUS
        caller = _caller_from(claims)
        if caller.is_authenticated:
            _remember(self._verified, token, (caller, float(claims["exp"])))
        return caller

    def _claims(self, token: str) -> dict[str, Any]:
        header = jwt.get_unverified_header(token)
        kid = header.get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None or header.get("alg") != ALGORITHM:
            raise ValueError("not signed with a trusted key")
        return jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            leeway=_LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "sub", "aud"]},
        )


def _caller_from(claims: Mapping[str, Any]) -> Caller:
    subject, role = claims.get("sub"), claims.get("role")
    departments = claims.get("departments", [])
    if not (
        is_plain_subject(subject)
        and role in ROLES
        and isinstance(departments, list)
        and len(departments) <= MAX_DEPARTMENTS
        and all(is_department(name) for name in departments)
    ):
        return ANONYMOUS
    return Caller(subject, role, tuple(departments), clean_name(claims.get("name")))


def _remember(cache: OrderedDict, key: Any, value: Any) -> None:
    cache[key] = value
    if len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)


def new_key_pair() -> tuple[str, str]:
    raw = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, encryption_algorithm=NoEncryption()
    )
    signing_key = base64.b64encode(raw).decode()
    return signing_key, public_key_of(signing_key)


def main() -> int:
    """Print a new key pair, as the lines to put into a signer's and the services' settings."""
    signing_key, public = new_key_pair()
    key_id = sys.argv[1] if len(sys.argv) > 1 else "gateway"
    print(f"IDENTITY_KEY_ID={key_id}")
    print(f"IDENTITY_SIGNING_KEY={signing_key}")
    print(f"IDENTITY_TRUSTED_KEYS={key_id}={public}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
