"""Operator tools for the dead-letter queue: list, replay and discard.

    rathaus-dead-letters list
    rathaus-dead-letters replay <id> [<id> ...] | --all
    rathaus-dead-letters discard <id> [<id> ...] | --all

A replayed message goes back to the handler queue it failed in, with its retry count reset;
the handler's inbox makes sure an effect that did commit is not repeated.

Two kinds of letters wait there, listed and replayed alike: those the handlers sent after
their last retry (with the plumbing's x-rathaus-* headers), and poison messages the broker
dead-lettered after `DELIVERY_LIMIT` deliveries that crashed or lost their consumer (with
RabbitMQ's x-death header naming the queue).

A letter belongs to the service whose handler queue it failed in (`owner`). The gateway
gives `replay` and `discard` a `record` step that writes each act into that service's audit
trail before the act (`record_of` describes the letter); the command line, run by an
operator with the broker's own credentials, records nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from kombu import Connection

from services.common.amqp import publish_confirmed
from services.common.settings import DEFAULT_AMQP_URI
from services.common.topology import (
    AWAITED_DATABASE_HEADER,
    DEAD_LETTER_QUEUE,
    DEAD_LETTERED_HEADER,
    DEATH_HEADERS,
    DELIVERY_COUNT_HEADER,
    DELIVERY_LIMIT,
    ERROR_HEADER,
    FIRST_FAILED_HEADER,
    ORIGIN_QUEUE_HEADER,
    REDELIVER_EXCHANGE,
    RETRIES_HEADER,
    handler_queue_owner,
)

# the plumbing's own headers, dropped when a message is replayed
_PLUMBING_HEADERS = (
    ORIGIN_QUEUE_HEADER,
    RETRIES_HEADER,
    AWAITED_DATABASE_HEADER,
    ERROR_HEADER,
    FIRST_FAILED_HEADER,
    DEAD_LETTERED_HEADER,
)
# and the broker's: a replayed poison message starts counting its deliveries anew
_DROPPED_ON_REPLAY = (*_PLUMBING_HEADERS, *DEATH_HEADERS, DELIVERY_COUNT_HEADER)
# the headers a record keeps: the plumbing's and the correlation id, never the caller's
# signed identity or anything else a publisher put there
_RECORDED_HEADERS = (*_PLUMBING_HEADERS, "nameko.correlation_id")
BODY_EXCERPT = 500
REPLAYED, DISCARDED = "replayed", "discarded"
# "should this letter be taken?": told the act and the message, asked before each one
Record = Callable[[str, object], bool]


@dataclass(frozen=True)
class DeadLetter:
    id: str
    event_type: str
    queue: str
    error: str
    retries: int
    first_failed_at: str
    dead_lettered_at: str
    age_seconds: float

    @classmethod
    def from_message(cls, message, now: datetime) -> DeadLetter:
        headers = _letter_headers(message)
        dead_lettered_at = str(headers.get(DEAD_LETTERED_HEADER, ""))
        try:
            age = (now - datetime.fromisoformat(dead_lettered_at)).total_seconds()
        except ValueError:
            age = 0.0
        return cls(
            id=_dead_letter_id(message),
            event_type=str(message.properties.get("type") or ""),
            queue=str(headers.get(ORIGIN_QUEUE_HEADER, "")),
            error=str(headers.get(ERROR_HEADER, "")),
            retries=int(headers.get(RETRIES_HEADER, 0)),
            first_failed_at=str(headers.get(FIRST_FAILED_HEADER, "")),
            dead_lettered_at=dead_lettered_at,
            age_seconds=round(age, 3),
        )


def _letter_headers(message) -> dict[str, Any]:
    """The plumbing's headers of a letter; for a poison message the broker dead-lettered,
    the same read from its x-death record."""
    headers = dict(message.headers or {})
    if ORIGIN_QUEUE_HEADER in headers:
        return headers
    death = _last_death(headers)
    if death is None:
        return headers
    when = death.get("time")
    if isinstance(when, datetime):  # AMQP timestamps are UTC, and come without a zone
        dead_lettered_at = when.replace(tzinfo=when.tzinfo or UTC).isoformat()
    else:
        dead_lettered_at = ""
    return {
        **headers,
        ORIGIN_QUEUE_HEADER: str(death.get("queue", "")),
        ERROR_HEADER: (
            f"PoisonMessage: the broker dead-lettered it ({death.get('reason', '')}): none of "
            f"its {DELIVERY_LIMIT + 1} deliveries was acknowledged (each consumer crashed or "
            "lost its connection while handling it)"
        ),
        RETRIES_HEADER: DELIVERY_LIMIT,
        FIRST_FAILED_HEADER: headers.get(FIRST_FAILED_HEADER, dead_lettered_at),
        DEAD_LETTERED_HEADER: dead_lettered_at,
    }


def _last_death(headers: dict[str, Any]) -> dict[str, Any] | None:
    """The broker's latest dead-lettering of the message (x-death lists the newest first)."""
    deaths = headers.get("x-death") or []
    return deaths[0] if deaths and isinstance(deaths[0], dict) else None


def _dead_letter_id(message) -> str:
    """A dead letter is named by its origin queue and its message id (the event id)."""
    queue = _letter_headers(message).get(ORIGIN_QUEUE_HEADER, "")
    return f"{queue}/{message.properties.get('message_id', '')}"


def owner(queue: str) -> str:
    """The service a handler queue belongs to: nameko names it
    `evt-<source>-<event type>--<service>.<method>`; "" for any other queue."""
    return handler_queue_owner(queue)


def record_of(action: str, message) -> dict:
    """A dead letter's act as its owner's audit trail keeps it: the letter as it was (a
    bounded excerpt of its body) and where it went."""
    headers = _letter_headers(message)
    queue = str(headers.get(ORIGIN_QUEUE_HEADER, ""))
    raw = message.body if isinstance(message.body, bytes) else str(message.body).encode()
    body = raw.decode("utf-8", "replace")
    before = {
        "queue": queue,
        "event_type": str(message.properties.get("type") or ""),
        "message_id": str(message.properties.get("message_id") or ""),
        "routing_key": str(message.delivery_info.get("routing_key") or ""),
        "headers": {name: str(headers[name]) for name in _RECORDED_HEADERS if name in headers},
        "body": body[:BODY_EXCERPT],
        "body_length": len(raw),
    }
    after: dict[str, Any]
    if action == REPLAYED:
        after = {"replayed_to": f"{REDELIVER_EXCHANGE.name}/{queue}"}
    else:
        after = {"discarded": True}
    return {
        "letter_id": _dead_letter_id(message),
        "action": action,
        "before": before,
        "after": after,
    }


def list_dead_letters(uri: str, limit: int = 1000) -> list[DeadLetter]:
    now = datetime.now(UTC)
    return [DeadLetter.from_message(m, now) for m in _browse(uri, limit, lambda _m: False)]


def replay(uri: str, ids: Iterable[str] | None, record: Record | None = None) -> list[str]:
    """Send the named dead letters (all, when ids is None) back to their handler queues."""

    def send_back(message) -> bool:
        if record is not None and not record(REPLAYED, message):
            return False
        kept = {k: v for k, v in message.headers.items() if k not in _DROPPED_ON_REPLAY}
        publish_confirmed(
            uri,
            message.body,
            exchange=REDELIVER_EXCHANGE,
            routing_key=_letter_headers(message)[ORIGIN_QUEUE_HEADER],
            headers=kept,
            properties=message.properties,
            declare=[REDELIVER_EXCHANGE],
        )
        return True

    return _take(uri, ids, send_back)


def discard(uri: str, ids: Iterable[str] | None, record: Record | None = None) -> list[str]:
    return _take(uri, ids, lambda message: record is None or record(DISCARDED, message))


def _take(uri: str, ids: Iterable[str] | None, act: Callable[[object], bool]) -> list[str]:
    wanted = None if ids is None else set(ids)
    taken: list[str] = []

    def select(message) -> bool:
        letter = _dead_letter_id(message)
        # a replayed letter its handler refuses again is back in the queue before the end of
        # this pass: each letter is acted on once per call, or a poison letter loops
        if letter in taken or (wanted is not None and letter not in wanted):
            return False
        if act(message):
            taken.append(letter)
            return True
        return False

    for _message in _browse(uri, None, select):
        pass
    return taken


def _browse(uri: str, limit: int | None, take: Callable[[object], bool]):
    """Read the dead-letter queue without consuming it.

    Every message is fetched unacknowledged; those `take` accepts are acknowledged, the
    rest return to the queue in their order when the channel closes.
    """
    with Connection(uri) as connection:
        channel = connection.channel()
        queue = DEAD_LETTER_QUEUE(channel)
        queue.declare()
        seen = 0
        while limit is None or seen < limit:
            message = queue.get(no_ack=False)
            if message is None:
                break
            seen += 1
            if take(message):
                message.ack()
            yield message
        channel.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="rathaus-dead-letters", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--amqp-uri", default=None, help="default: $AMQP_URI or the local broker")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list")
    for name in ("replay", "discard"):
        sub = commands.add_parser(name)
        sub.add_argument("ids", nargs="*")
        sub.add_argument("--all", action="store_true")
    args = parser.parse_args(argv)

    uri = args.amqp_uri or os.environ.get("AMQP_URI") or DEFAULT_AMQP_URI
    if args.command == "list":
        letters = list_dead_letters(uri)
        print(f"{'id':60} {'type':28} {'tries':>5} {'age':>9}  error")
        for letter in letters:
            print(
                f"{letter.id:60} {letter.event_type:28} {letter.retries + 1:>5} "
                f"{_age(letter.age_seconds):>9}  {letter.error}"
            )
        print(f"{len(letters)} dead letter(s)")
        return 0
    if not args.all and not args.ids:
        parser.error(f"{args.command} needs ids or --all")
    action = replay if args.command == "replay" else discard
    done = action(uri, None if args.all else args.ids)
    print(f"{args.command}ed {len(done)} dead letter(s)")
    return 0


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def as_dicts(letters: list[DeadLetter]) -> list[dict]:
    return [asdict(letter) for letter in letters]


if __name__ == "__main__":
    sys.exit(main())
