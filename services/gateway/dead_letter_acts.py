"""Dead letters replayed or discarded by an administrator, each act kept in the audit trail of
the service whose queue the letter failed in (services/common/dead_letter_trail.py), for the
JSON API and the administration's page alike."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services import BUSINESS_SERVICES
from services.common import dead_letters
from services.common.logging import get_logger
from services.common.rpc import RemoteService
from services.common.settings import amqp_uri

log = get_logger(__name__)

ACTS = {"replay": dead_letters.replay, "discard": dead_letters.discard}


class DeadLetterActs:
    """Mixed into GatewayService; its routes and pages call these as the signed caller."""

    appointments = RemoteService("appointments")
    applications = RemoteService("applications")
    documents = RemoteService("documents")
    notifications = RemoteService("notifications")
    feedback = RemoteService("feedback")

    def act_on_dead_letters(self, action: str, ids: Iterable[str] | None) -> list[str]:
        """Replay or discard the named letters (all, when ids is None); the ids taken.

        Each letter is recorded first and acted on after, one at a time, while it is still
        held unacknowledged: so nothing is replayed or discarded without its record. A
        record the owner refuses, or cannot take, leaves its letter (and those after it) in
        the queue. The other order could lose the record of a letter already gone (the
        owner down after the act); this one at worst keeps a record of an act the broker
        then failed, and that letter stays listed on the page to act on again.
        """
        taken = ACTS[action](amqp_uri(), ids, self._record_dead_letter_act)
        log.info(f"dead_letters_{action}ed", ids=taken)
        return taken

    def _record_dead_letter_act(self, action: str, message: Any) -> bool:
        act = dead_letters.record_of(action, message)
        owner = dead_letters.owner(act["before"]["queue"])
        if owner not in BUSINESS_SERVICES:
            # no service's trail to keep it in: the letter stays for an operator's tool
            log.warning("dead_letter_kept_without_owner", letter=act["letter_id"])
            return False
        getattr(self, owner).record_dead_letter(act)
        return True

    def dead_letter_changes(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest dead-letter records of every service, newest first."""
        found = [
            {**change, "service": service}
            for service in BUSINESS_SERVICES
            for change in getattr(self, service).dead_letter_trail({"limit": limit})["changes"]
        ]
        return sorted(found, key=lambda change: change["at"], reverse=True)[:limit]
