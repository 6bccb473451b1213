"""Proof of work (ALTCHA): issue challenges, and verify solutions before a booking goes on.

A challenge costs the gateway one HMAC and a client, on average, hashing half of
CHALLENGE.max_number: nothing for one citizen, a lot for a script booking thousands.

The gateway keeps no state: a challenge carries its expiry in its salt and our HMAC as its
signature, so any gateway instance can verify it. What a verification can't tell is a
solution used twice; the challenge's id (its signature) goes to the appointments service,
which records it and refuses it the second time.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import altcha
from nameko.extensions import DependencyProvider

from services.common.logging import get_logger
from services.gateway.errors import ChallengeFailed, ChallengeRequired
from services.gateway.settings import ChallengeSettings

log = get_logger(__name__)

ALGORITHM = "SHA-256"
_TEXT_FIELDS = ("challenge", "salt", "signature")


def as_widget_fetches(challenge: altcha.ChallengeV1) -> dict[str, Any]:
    """A challenge in the shape the ALTCHA widget fetches."""
    return {
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "maxnumber": challenge.max_number,
        "salt": challenge.salt,
        "signature": challenge.signature,
    }


class Challenges:
    def __init__(self, settings: ChallengeSettings) -> None:
        self.settings = settings

    def issue(self) -> dict[str, Any]:
        """A new challenge, in the shape the ALTCHA widget fetches."""
        expires = datetime.now(UTC) + timedelta(seconds=self.settings.expires_seconds)
        challenge = altcha.create_challenge_v1(
            algorithm=ALGORITHM,
            hmac_key=self.settings.hmac_key,
            max_number=self.settings.max_number,
            expires=expires,
        )
        return as_widget_fetches(challenge)

    def verify(self, payload: str | None) -> str:
        """The id of the challenge `payload` solves; refused when missing, wrong or expired."""
        if not payload:
            raise ChallengeRequired(
                "Solve a proof-of-work challenge (GET /api/v1/appointments/challenge or "
                "/api/v1/feedback/challenge) and send it as altcha."
            )
        solution = _solution(payload)
        ok, reason = (
            altcha.verify_solution_v1(solution, self.settings.hmac_key, check_expires=True)
            if solution is not None
            else (False, "not a solution payload")
        )
        if not ok:
            # the reason helps us, not a client guessing its way around the check
            log.info("challenge_failed", reason=reason or "wrong number or signature")
            raise ChallengeFailed(
                "The challenge was not solved, is not ours, or has expired; solve a new one."
            )
        return solution["signature"]


def _solution(payload: str) -> dict[str, Any] | None:
    """The payload as the library expects it, or None when it is not that.

    Decoded here rather than by the library, which raises on a payload whose fields have
    other types (a numeric salt, say) instead of refusing it.
    """
    try:
        data = json.loads(base64.b64decode(payload, validate=True))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("algorithm") != ALGORITHM:
        return None
    if not all(isinstance(data.get(name), str) for name in _TEXT_FIELDS):
        return None
    number = data.get("number")
    if not isinstance(number, int) or isinstance(number, bool):
        return None
    return data


class ProofOfWork(DependencyProvider):
    """Gives a worker the gateway's `Challenges`, configured once, at start-up."""

    def setup(self) -> None:
        self.challenges = Challenges(ChallengeSettings.from_config())

    def get_dependency(self, worker_ctx) -> Challenges:
        return self.challenges
