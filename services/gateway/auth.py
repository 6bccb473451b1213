"""Bearer tokens: verify them (an OIDC provider's, or local dev-login ones) and issue dev ones.

Production accepts the identity provider's asymmetrically signed tokens, checked against its
JWKS (fetched once, cached for five minutes) with the configured issuer and audience.
Locally, `POST /api/v1/auth/dev-login` issues HS256 tokens signed with `AUTH.dev_secret`;
they are accepted only while `AUTH.dev_login` is true. The signing algorithm chooses the
path, and each path accepts only its own algorithms, so one kind can't pose as the other.

A clerk's departments (whose queues they work) come from the `departments` claim, a list of
short names; a token without it names none, and a token whose claim is anything else is
refused rather than read as "no departments".
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import jwt

from services.common.errors import ServiceUnavailable, Unauthenticated
from services.common.identity import (
    MAX_DEPARTMENTS,
    ROLES,
    Caller,
    clean_name,
    is_department,
    is_plain_subject,
)
from services.gateway.errors import InvalidToken
from services.gateway.settings import AuthSettings

DEV_ALGORITHM = "HS256"
# a list claim with this name also counts, when the configured role claim is missing
ROLES_CLAIM = "roles"
DEPARTMENTS_CLAIM = "departments"

_REASONS = (
    (jwt.ExpiredSignatureError, "The token has expired."),
    (jwt.ImmatureSignatureError, "The token is not valid yet."),
    (jwt.InvalidIssuerError, "The token was issued by someone else."),
    (jwt.InvalidAudienceError, "The token is meant for someone else."),
    (jwt.MissingRequiredClaimError, "The token lacks a required claim."),
    (jwt.InvalidSignatureError, "The token's signature does not match."),
    (jwt.PyJWTError, "The token is not a valid JWT."),
)


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer ...` header; refuse when there is none."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        raise Unauthenticated("Sign in: send a bearer token in the Authorization header.")
    if not token.strip():
        raise InvalidToken("The bearer token is empty.")
    return token.strip()


class TokenVerifier:
    def __init__(self, settings: AuthSettings) -> None:
        self.settings = settings
        self._jwks = (
            jwt.PyJWKClient(settings.jwks_url, cache_jwk_set=True, lifespan=300, timeout=5)
            if settings.jwks_url
            else None
        )

    def verify(self, token: str) -> Caller:
        claims = self.claims(token)
        subject = claims.get("sub")
        if not is_plain_subject(subject):
            # a subject is echoed, logged and used as an owner: control characters, white
            # space or a colon ("role:clerk") would let it pass for something else
            raise InvalidToken("The token's subject is not a plain identifier.")
        return Caller(
            subject=subject,
            role=self.role_of(claims),
            departments=departments_of(claims),
            name=name_of(claims),
        )

    def claims(self, token: str) -> dict[str, Any]:
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
            key, algorithms = self._key_for(token, algorithm)
            return jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except (jwt.PyJWKClientConnectionError, jwt.PyJWKSetError):
            raise ServiceUnavailable("The identity provider's keys could not be fetched.") from None
        except jwt.PyJWKClientError:
            raise InvalidToken(
                "The token was signed with a key the provider does not list."
            ) from None
        except jwt.PyJWTError as error:
            reason = next(text for kind, text in _REASONS if isinstance(error, kind))
            raise InvalidToken(reason) from None

    def _key_for(self, token: str, algorithm: Any) -> tuple[Any, list[str]]:
        if algorithm == DEV_ALGORITHM and self.settings.dev_login:
            return self.settings.dev_secret, [DEV_ALGORITHM]
        if algorithm in self.settings.algorithms and self._jwks is not None:
            return self._jwks.get_signing_key_from_jwt(token).key, [algorithm]
        raise InvalidToken("Tokens signed this way are not accepted here.")

    def role_of(self, claims: Mapping[str, Any]) -> str:
        """The highest known role the token names (citizen < clerk < admin)."""
        value = _claim(claims, self.settings.role_claim)
        if value is None:
            value = claims.get(ROLES_CLAIM)
        named = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        known = [role for role in named if role in ROLES]
        if not known:
            raise InvalidToken("The token names no role this platform knows.")
        return max(known, key=ROLES.index)


def departments_of(claims: Mapping[str, Any]) -> tuple[str, ...]:
    """The departments the token names, in its order, each once; none when it names none."""
    if DEPARTMENTS_CLAIM not in claims:
        return ()
    value = claims[DEPARTMENTS_CLAIM]
    if not (
        isinstance(value, list)
        and len(value) <= MAX_DEPARTMENTS
        and all(is_department(name) for name in value)
    ):
        raise InvalidToken("The token's departments are not a list of department names.")
    return tuple(dict.fromkeys(value))


def name_of(claims: Mapping[str, Any]) -> str | None:
    """The person's name from the OpenID Connect `name` claim (or given and family name)."""
    given = [claims.get(part) for part in ("given_name", "family_name")]
    return clean_name(claims.get("name")) or clean_name(
        " ".join(part for part in given if isinstance(part, str))
    )


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def issue_dev_token(
    settings: AuthSettings,
    subject: str,
    role: str,
    departments: Sequence[str] = (),
    name: str | None = None,
) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": settings.issuer,
        "aud": settings.audience,
        "sub": subject,
        "role": role,
        ROLES_CLAIM: [role],  # found even where AUTH.role_claim names another claim
        DEPARTMENTS_CLAIM: list(departments),
        "iat": now,
        "exp": now + settings.token_lifetime,
    }
    if name:
        claims["name"] = name
    return {
        "access_token": jwt.encode(claims, settings.dev_secret, algorithm=DEV_ALGORITHM),
        "token_type": "Bearer",
        "expires_in": settings.token_lifetime,
    }
