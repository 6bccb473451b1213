"""How many dead letters wait, sampled for `rathaus_dead_letters_waiting`.

A dead letter is an event every retry failed for; it waits for an operator (list, replay,
discard). The gauge is taken by a loop of the service it is declared on (the gateway, the
operators' front door), with a passive declare that reads the queue's length and moves
nothing, every `METRICS_SAMPLE_INTERVAL` seconds. A broker that does not answer leaves the
last value in place and is logged; the broker's own metrics say it is down.
"""

from __future__ import annotations

import eventlet
from kombu import Connection
from nameko import config
from nameko.extensions import DependencyProvider

from services.common.logging import get_logger
from services.common.metrics import DEAD_LETTERS_WAITING
from services.common.settings import amqp_uri
from services.common.topology import DEAD_LETTER_QUEUE

log = get_logger(__name__)

DEFAULT_INTERVAL = 15.0  # a common Prometheus scrape interval
BROKER_TIMEOUT = 3.0


def sample_interval() -> float:
    return float(config.get("METRICS_SAMPLE_INTERVAL") or DEFAULT_INTERVAL)


def dead_letters_waiting(uri: str, queue_name: str = DEAD_LETTER_QUEUE.name) -> int:
    """The messages in the dead-letter queue; 0 when it does not exist (yet)."""
    with Connection(uri, connect_timeout=BROKER_TIMEOUT) as connection:
        connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)
        channel = connection.channel()
        try:
            _name, messages, _consumers = channel.queue_declare(queue_name, passive=True)
        except Exception as error:
            if getattr(error, "code", None) == 404:  # NOT_FOUND: nothing dead-lettered ever
                return 0
            raise
        return int(messages)


class DeadLetterGauge(DependencyProvider):
    """Samples the dead-letter queue's length while the service runs; no worker is used."""

    def setup(self) -> None:
        self.interval = sample_interval()
        self._running = False
        self._thread = None

    def start(self) -> None:
        self._running = True
        self._thread = self.container.spawn_managed_thread(
            self.run, identifier=f"{self.container.service_name}.dead_letter_gauge"
        )

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.kill()

    kill = stop

    def run(self) -> None:
        while self._running:
            self.sample()
            eventlet.sleep(self.interval)

    def sample(self) -> None:
        try:
            waiting = dead_letters_waiting(amqp_uri())
        except Exception as error:
            log.warning("dead_letters_not_sampled", error=repr(error))
            return
        DEAD_LETTERS_WAITING.labels(DEAD_LETTER_QUEUE.name).set(waiting)

    def get_dependency(self, worker_ctx) -> DeadLetterGauge:
        return self
