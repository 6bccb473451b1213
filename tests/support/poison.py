"""A service whose handler kills its own process on a poison entry: what no retry in the
process can catch (a segfault, the OOM killer, an endless loop the orchestrator kills)."""

from __future__ import annotations

import os
import signal

from services.common import service as common
from services.common.events import Event
from services.common.handlers import event_handler
from tests.support.pipeline import ENTRY_RECORDED, Tally

POISON_PREFIX = "poison"


class Crasher(common.ServiceBase):
    name = "crasher"

    @event_handler(ENTRY_RECORDED)
    def count_entry(self, event: Event) -> None:
        if event.payload["entry_id"].startswith(POISON_PREFIX):
            os.kill(os.getpid(), signal.SIGKILL)
        with self.db.transaction(handling=event) as tx:
            tx.session.add(Tally(entry_id=event.payload["entry_id"], handler="crasher"))
