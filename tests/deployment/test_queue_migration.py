"""`rathaus-broker migrate-queues` on the real broker: the classic queues an older version
declared become quorum queues of the same names, their messages and bindings kept, in a
vhost of the test's own."""

from __future__ import annotations

import json
from urllib.parse import quote, urlparse

import pytest
import requests
from kombu import Connection, Queue, binding
from nameko.rpc import get_rpc_exchange
from nameko.standalone.events import get_event_exchange

from services.common import broker_admin
from services.common.amqp import MIGRATE_COMMAND, QueueNeedsMigration, declare_once
from services.common.handlers import event_handler
from services.common.topology import (
    DEAD_LETTER_QUEUE,
    REDELIVER_EXCHANGE,
    delay_exchange,
    delay_queue,
    queue_arguments,
)
from tests.support.publishing import confirmed_connection
from tests.support.waiting import wait_for

HANDLER_QUEUE = "evt-applications-application_submitted--notifications.send_receipt"
RPC_QUEUE = "rpc-notifications"
DELAY_MS = 400
EVENTS = get_event_exchange("applications")
LISTENER_QUEUE = "evt-applications-application_submitted--listener.on_submitted"


@pytest.fixture
def management(request, rabbit_uri):
    api = urlparse(request.config.getoption("RABBIT_API_URI"))
    url = f"{api.scheme}://{api.hostname}:{api.port or 15672}"
    vhost = quote(urlparse(rabbit_uri).path[1:], safe="")
    auth = (api.username or "guest", api.password or "guest")

    def queue(name: str) -> dict:
        answer = requests.get(f"{url}/api/queues/{vhost}/{quote(name, safe='')}", auth=auth)
        answer.raise_for_status()
        return answer.json()

    def names() -> set[str]:
        answer = requests.get(f"{url}/api/queues/{vhost}?columns=name", auth=auth)
        return {queue["name"] for queue in answer.json()}

    queue.url, queue.names = url, names  # type: ignore[attr-defined]
    return queue


def declare_as_the_old_version(connection: Connection) -> None:
    """The queues as versions before the quorum queues declared them: classic."""
    channel = connection.channel()
    Queue(
        HANDLER_QUEUE,
        bindings=[
            binding(EVENTS, routing_key="application_submitted"),
            binding(REDELIVER_EXCHANGE, routing_key=HANDLER_QUEUE),
        ],
        durable=True,
    )(channel).declare()
    Queue(
        delay_queue(DELAY_MS).name,
        exchange=delay_exchange(DELAY_MS),
        durable=True,
        queue_arguments={
            "x-message-ttl": DELAY_MS,
            "x-dead-letter-exchange": REDELIVER_EXCHANGE.name,
        },
    )(channel).declare()
    Queue(DEAD_LETTER_QUEUE.name, durable=True)(channel).declare()
    Queue(RPC_QUEUE, exchange=get_rpc_exchange(), routing_key="notifications.*", durable=True)(
        channel
    ).declare()


def publish(connection: Connection, body: dict, exchange, routing_key: str, **headers) -> None:
    connection.Producer(connection.channel()).publish(
        json.dumps(body),
        exchange=exchange,
        routing_key=routing_key,
        content_type="application/json",
        delivery_mode=2,
        message_id=body["id"],
        headers=headers,
    )


def take_all(connection: Connection, queue_name: str) -> list[tuple[dict, dict]]:
    channel = connection.channel()
    taken = []
    while (message := channel.basic_get(queue_name, no_ack=True)) is not None:
        taken.append((json.loads(message.body), message.headers))
    return taken


def test_classic_queues_become_quorum_queues_with_their_messages_and_bindings(
    rabbit_uri, management
):
    with confirmed_connection(rabbit_uri) as connection:
        declare_as_the_old_version(connection)
        for number in range(5):
            publish(connection, {"id": f"event-{number}"}, EVENTS, "application_submitted")
        # a retry waiting in its delay queue: it must still come back after the move
        publish(connection, {"id": "retry-1"}, delay_exchange(DELAY_MS), HANDLER_QUEUE, tries=1)
        for number in range(3):
            publish(
                connection,
                {"id": f"dead-{number}"},
                "",
                DEAD_LETTER_QUEUE.name,
                **{"x-rathaus-queue": HANDLER_QUEUE},
            )
        publish(connection, {"id": "stale-request"}, get_rpc_exchange(), "notifications.ping")

        # what this version's services meet on such a broker: a refusal naming the command
        with pytest.raises(QueueNeedsMigration, match=MIGRATE_COMMAND):
            declare_once(rabbit_uri, DEAD_LETTER_QUEUE)

    said: list[str] = []
    moved = broker_admin.migrate_queues(rabbit_uri, management.url, say=said.append)

    assert sorted(result.queue for result in moved) == sorted(
        [HANDLER_QUEUE, RPC_QUEUE, delay_queue(DELAY_MS).name, DEAD_LETTER_QUEUE.name]
    )
    assert {result.queue: result.dropped for result in moved}[RPC_QUEUE] == 1
    for name in (HANDLER_QUEUE, RPC_QUEUE, delay_queue(DELAY_MS).name, DEAD_LETTER_QUEUE.name):
        found = management(name)
        assert found["type"] == "quorum", name
        assert found["arguments"] == queue_arguments(name), name
    # no holding queue is left behind
    assert not [name for name in management.names() if name.startswith("rathaus.migrating")]

    with confirmed_connection(rabbit_uri) as connection:
        # this version's declarations are accepted now
        for queue in (DEAD_LETTER_QUEUE, delay_queue(DELAY_MS)):
            queue(connection.channel()).declare()
        # the bindings came along: a new event and a new retry reach the handler queue
        publish(connection, {"id": "after"}, EVENTS, "application_submitted")
        publish(connection, {"id": "retry-2"}, delay_exchange(DELAY_MS), HANDLER_QUEUE)
        expected = {f"event-{n}" for n in range(5)} | {"retry-1", "retry-2", "after"}
        arrived: set[str] = set()

        def all_arrived() -> bool:
            arrived.update(body["id"] for body, _headers in take_all(connection, HANDLER_QUEUE))
            return arrived == expected

        wait_for(all_arrived, timeout=15)
        letters = take_all(connection, DEAD_LETTER_QUEUE.name)
    assert sorted(body["id"] for body, _headers in letters) == ["dead-0", "dead-1", "dead-2"]
    assert {headers["x-rathaus-queue"] for _body, headers in letters} == {HANDLER_QUEUE}

    # run again, nothing is left to do
    assert broker_admin.migrate_queues(rabbit_uri, management.url, say=said.append) == []


def test_a_migration_cut_short_is_finished_by_running_it_again(rabbit_uri, management):
    with confirmed_connection(rabbit_uri) as connection:
        declare_as_the_old_version(connection)
        for number in range(4):
            publish(connection, {"id": f"event-{number}"}, EVENTS, "application_submitted")
    with confirmed_connection(rabbit_uri) as connection:
        api = broker_admin.Management(management.url, urlparse(rabbit_uri).path[1:], ("guest",) * 2)
        raw = connection.connection
        # cut short after the messages moved to the holding queue and the old queue was
        # deleted: the holding queue holds them and the bindings, the queue is gone
        channel = raw.channel()
        holding = broker_admin.HOLDING_PREFIX + HANDLER_QUEUE
        bindings = api.bindings(HANDLER_QUEUE)
        channel.queue_declare(
            holding, durable=True, auto_delete=False, arguments=queue_arguments(HANDLER_QUEUE)
        )
        broker_admin._rebind(channel, bindings, holding, HANDLER_QUEUE)
        broker_admin._move(raw, HANDLER_QUEUE, holding)
        channel.queue_delete(HANDLER_QUEUE)
        assert HANDLER_QUEUE not in management.names()

    broker_admin.migrate_queues(rabbit_uri, management.url, say=lambda _line: None)

    assert management(HANDLER_QUEUE)["type"] == "quorum"
    assert holding not in management.names()
    with confirmed_connection(rabbit_uri) as connection:
        publish(connection, {"id": "after"}, EVENTS, "application_submitted")
        arrived: set[str] = set()
        wait_for(
            lambda: (
                arrived.update(b["id"] for b, _h in take_all(connection, HANDLER_QUEUE))
                or arrived == {"event-0", "event-1", "event-2", "event-3", "after"}
            ),
            timeout=10,
        )


def test_a_queue_still_consumed_is_not_moved(rabbit_uri, management):
    with confirmed_connection(rabbit_uri) as connection:
        declare_as_the_old_version(connection)
        publish(connection, {"id": "kept"}, EVENTS, "application_submitted")
        consumer = connection.channel()
        consumer.basic_qos(0, 1, False)
        consumer.basic_consume(DEAD_LETTER_QUEUE.name, callback=lambda _message: None)
        wait_for(lambda: management(DEAD_LETTER_QUEUE.name).get("consumers") == 1, timeout=10)

        with pytest.raises(broker_admin.MigrationRefused, match="stop the services"):
            broker_admin.migrate_queues(rabbit_uri, management.url, say=lambda _line: None)
    assert management(DEAD_LETTER_QUEUE.name)["type"] == "classic"


def test_the_command_line_lists_then_moves(rabbit_uri, management, capsys):
    with confirmed_connection(rabbit_uri) as connection:
        declare_as_the_old_version(connection)
    argv = ["--amqp-uri", rabbit_uri, "--management-url", management.url]

    assert broker_admin.main([*argv, "queues"]) == 0
    listed = capsys.readouterr().out
    assert f"would move {HANDLER_QUEUE}" in listed
    assert management(HANDLER_QUEUE)["type"] == "classic"

    assert broker_admin.main([*argv, "migrate-queues"]) == 0
    assert f"moved {HANDLER_QUEUE} to a quorum queue" in capsys.readouterr().out
    assert management(HANDLER_QUEUE)["type"] == "quorum"


class Listener:
    """A service of this version, whose handler queue an older version declared."""

    name = "listener"

    @event_handler("applications", "application_submitted")
    def on_submitted(self, event) -> None:  # pragma: no cover - never runs
        pass


def test_a_service_meeting_a_classic_queue_stops_and_names_the_command(
    rabbit_config, rabbit_uri, container_factory
):
    with confirmed_connection(rabbit_uri) as connection:
        Queue(LISTENER_QUEUE, durable=True)(connection.channel()).declare()
    container = container_factory(Listener)

    with pytest.raises(QueueNeedsMigration) as stopped:
        container.start()
        container.wait()

    assert MIGRATE_COMMAND in str(stopped.value)
    assert f"queue '{LISTENER_QUEUE}'" in str(stopped.value)
