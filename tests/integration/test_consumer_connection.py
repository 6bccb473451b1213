"""A consumer goes on consuming when its connection breaks, whoever notices the break first,
and when the broker stops feeding it.

When a broker node stops, a worker may write on the consumer's connection (the ack of the
event it just handled) before the consumer loop reads the end of it. The write fails and
marks the connection broken; the loop then reads what the broker had sent before it went
away. kombu's connection, used again in that state, opens a new connection by itself: the
loop would drain a connection on which nothing is consumed, and the queue would wait for
ever with no consumer (the broker drill caught it in 3 runs of 20). The consumer instead takes
the break as a lost connection: it reconnects and consumes again.

A broker may also keep a subscription and deliver nothing to it (a quorum queue whose leader
moved while the consumer subscribed: in one drill run two services' RPC consumers handled
nothing for six minutes after subscribing again). A consumer with room for messages that
receives none while its queue has some ready, at two looks in a row, subscribes again.
"""

from __future__ import annotations

import socket

import eventlet
import pytest
import structlog
from amqp import spec
from eventlet.event import Event as GreenEvent

from services.common.events import Event
from services.common.handlers import event_handler
from tests.support.pipeline import ENTRY_RECORDED, publish_raw
from tests.support.waiting import wait_for

# the whole process, hub and all, stands still: no green thread reads what arrives meanwhile
stand_still = eventlet.patcher.original("time").sleep


class Heard:
    """What the listener heard, and the gate its first event waits at."""

    entries: list[str] = []
    gate = GreenEvent()


class Listener:
    name = "listener"

    @event_handler(ENTRY_RECORDED)
    def hear(self, event: Event) -> None:
        Heard.entries.append(event.payload["entry_id"])
        if event.payload["entry_id"] == "held":
            Heard.gate.wait()


# how long an idle consumer waits before it looks at its queue, here
STALL_CHECK = 0.5


class NarrowListener:
    """The listener with room for one message at a time."""

    name = "listener"

    @event_handler(ENTRY_RECORDED, prefetch_count=1)
    def hear(self, event: Event) -> None:
        Listener.hear(self, event)


@pytest.fixture
def listener(platform_config, runner_factory, request):
    Heard.entries, Heard.gate = [], GreenEvent()
    platform_config["CONSUMER_STALL_CHECK"] = STALL_CHECK
    runner = runner_factory(getattr(request, "param", Listener))
    runner.start()
    [container] = runner.containers
    [entrypoint] = [e for e in container.entrypoints if e.method_name == "hear"]
    return entrypoint.consumer


def entry(entry_id: str) -> dict:
    return Event(type=ENTRY_RECORDED.type, payload={"entry_id": entry_id, "amount": 1}).to_message()


def test_a_consumer_whose_connection_another_thread_found_broken_consumes_again(listener):
    publish_raw(entry("held"))
    assert wait_for(lambda: Heard.entries == ["held"])
    connection = listener.consuming_on.connection

    # the broker sends a frame the consumer loop has not read yet (the answer to a prefetch
    # setting: it comes at once, whatever the broker's queues are doing) ...
    channel = connection.channels[1]  # the consumer's, the first kombu opens
    channel.send_method(spec.Basic.Qos, "lBb", (0, listener.prefetch_count, False))
    stand_still(0.5)
    # ... and the connection breaks. Another green thread is the first to find out, writing
    # on it (a worker's ack, as when the node stopped; here the heartbeat, sent at once)
    connection.transport.sock.shutdown(socket.SHUT_WR)
    with pytest.raises(OSError):
        connection.send_heartbeat()
    Heard.gate.send()  # the held worker's ack goes into the broken connection too

    # the loop reads the frame, then reconnects and consumes again: what comes now is
    # heard, and the held event, whose ack was lost, comes again
    publish_raw(entry("after"))
    assert wait_for(lambda: "after" in Heard.entries, timeout=20)
    assert wait_for(lambda: Heard.entries.count("held") == 2, timeout=20)


def test_a_consumer_the_broker_stopped_feeding_subscribes_again(listener):
    publish_raw(entry("first"))
    assert wait_for(lambda: Heard.entries == ["first"])
    # the broker forgets the subscription and says nothing: the consumer is not told
    connection = listener.consuming_on.connection
    [tag] = listener.consuming_on.default_channel.callbacks
    connection.channels[1].send_method(spec.Basic.Cancel, "sb", (tag, True))

    with structlog.testing.capture_logs() as logs:
        publish_raw(entry("waiting"), entry("also waiting"))
        # two looks at the queue later, the consumer subscribes again and is fed
        assert wait_for(lambda: "also waiting" in Heard.entries, timeout=4 * STALL_CHECK + 10)
    assert Heard.entries == ["first", "waiting", "also waiting"]
    [stalled] = [e for e in logs if e["event"] == "consumer_stalled_resubscribing"]
    assert stalled["queues"] == ["evt-ledger-entry_recorded--listener.hear"]
    assert stalled["ready"] == 2


@pytest.mark.parametrize("listener", [NarrowListener], indirect=True)
def test_a_consumer_whose_workers_hold_its_whole_prefetch_waits_for_them(listener):
    """Ready messages and nothing delivered is no stall when the consumer has no room."""
    publish_raw(entry("held"))
    assert wait_for(lambda: Heard.entries == ["held"])
    with structlog.testing.capture_logs() as logs:
        publish_raw(entry("next"))
        eventlet.sleep(6 * STALL_CHECK)
        assert Heard.entries == ["held"]  # the next waits in the queue
        Heard.gate.send()
        assert wait_for(lambda: "next" in Heard.entries)
    assert Heard.entries == ["held", "next"]  # the held one was not given out again
    assert not [e for e in logs if e["event"] == "consumer_stalled_resubscribing"]
