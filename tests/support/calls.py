"""Two services that call each other, for the RPC plumbing tests."""

from __future__ import annotations

import eventlet
from sqlalchemy import text

from services.common import service as common
from services.common.errors import NotFound
from services.common.identity import ADMIN
from services.common.rpc import RemoteService
from services.common.rpc_entrypoint import rpc


class Back(common.ServiceBase):
    name = "back"

    @rpc
    def whoami(self) -> dict:
        return {"subject": self.caller.subject, "role": self.caller.role}

    @rpc(roles=ADMIN)
    def administer(self) -> str:
        return "administered"

    @rpc
    def find(self, thing_id: str) -> dict:
        raise NotFound(f"There is no thing {thing_id}.", {"thing_id": thing_id})

    @rpc
    def stall(self, seconds: float) -> str:
        eventlet.sleep(seconds)
        return "done"

    @rpc
    def sleep_in_database(self, seconds: float) -> float:
        with self.db.transaction() as tx:
            tx.session.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": seconds})
        return seconds


class Front(common.ServiceBase):
    name = "front"

    back = RemoteService("back", timeout=1.0)
    nowhere = RemoteService("nowhere", timeout=1.0)

    @rpc
    def whoami_at_back(self) -> dict:
        return self.back.whoami()

    @rpc
    def find_at_back(self, thing_id: str) -> dict:
        try:
            return self.back.find(thing_id)
        except NotFound as error:
            return {"caught": type(error).__name__, "code": error.code, "details": error.details}

    @rpc
    def stall_at_back(self, seconds: float) -> str:
        return self.back.stall(seconds)

    @rpc
    def ask_nowhere(self) -> str:
        return self.nowhere.anything()
