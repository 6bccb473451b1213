"""Idempotency keys on a database of their own (a SQLite file), without a broker: a key
answers what it made, for its caller and operation, with the request it came with, for a day."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common import idempotency
from services.common.errors import InvalidInput
from services.common.idempotency import IdempotencyKeyReused, Keyed, Once
from services.common.tables import idempotency_keys, idempotency_metadata
from tests.support.databases import database_transaction


@pytest.fixture
def transaction(tmp_path):
    url = f"sqlite:///{tmp_path}/keys.db"
    with database_transaction(url) as connection:
        idempotency_metadata.create_all(connection)

    @contextlib.contextmanager
    def transaction() -> Iterator[SimpleNamespace]:
        # the services' engine: WAL, a busy timeout, and the write lock taken up front
        with database_transaction(url) as connection:
            yield SimpleNamespace(session=Session(connection))

    return transaction


class Maker:
    """Makes numbered things, and tells what it made."""

    def __init__(self) -> None:
        self.numbers = itertools.count(1)
        self.made: list[str] = []

    def make(self, _tx) -> str:
        self.made.append(f"thing-{next(self.numbers)}")
        return self.made[-1]

    @staticmethod
    def answer(_tx, made: str) -> dict:
        return {"thing": made}


def once(transaction, caller: str, key: str | None, request: dict, operation="thing") -> Once:
    return Once(transaction, Keyed.of(caller, operation, key, request), Maker.answer)


def send(transaction, maker: Maker, caller: str, key: str | None, request: dict, **kw) -> dict:
    """What an entrypoint does: the earlier answer, or make it."""
    sent = once(transaction, caller, key, request, **kw)
    return sent.earlier() or sent.make(maker.make)


def test_the_same_key_and_request_answer_what_the_first_made(transaction):
    maker = Maker()

    first = send(transaction, maker, "anna", "k1", {"title": "Laterne", "n": 1})
    again = send(transaction, maker, "anna", "k1", {"n": 1, "title": "Laterne"})

    assert first == again == {"thing": "thing-1"}
    assert maker.made == ["thing-1"]


def test_the_same_key_with_another_request_is_refused(transaction):
    maker = Maker()
    send(transaction, maker, "anna", "k1", {"title": "Laterne"})

    with pytest.raises(IdempotencyKeyReused) as refused:
        send(transaction, maker, "anna", "k1", {"title": "Schlagloch"})

    assert refused.value.code == "idempotency_key_reused" and refused.value.http_status == 409
    assert maker.made == ["thing-1"]


def test_keys_are_per_caller_and_operation_and_without_a_key_each_request_makes_one(
    transaction,
):
    maker = Maker()
    request = {"title": "Laterne"}

    answers = [
        send(transaction, maker, "anna", "k1", request),
        send(transaction, maker, "ben", "k1", request),
        send(transaction, maker, "anna", "k1", request, operation="other"),
        send(transaction, maker, "anna", None, request),
        send(transaction, maker, "anna", None, request),
    ]

    assert [a["thing"] for a in answers] == [f"thing-{n}" for n in range(1, 6)]


def test_a_key_remembered_meanwhile_by_the_same_request_answers_the_race(transaction):
    maker = Maker()
    racing = once(transaction, "anna", "k1", {"title": "Laterne"})
    assert racing.earlier() is None
    send(transaction, maker, "anna", "k1", {"title": "Laterne"})  # the other one commits first

    answer = racing.make(maker.make)

    assert answer == {"thing": "thing-1"}


@pytest.mark.parametrize("key", ["", "k" * 201, 7])
def test_an_empty_overlong_or_not_text_key_is_invalid_input(key):
    with pytest.raises(InvalidInput) as refused:
        Keyed.of("anna", "thing", key, {})

    assert "idempotency_key" in refused.value.details


def test_keys_older_than_a_day_are_forgotten(transaction):
    maker = Maker()
    send(transaction, maker, "anna", "old", {})
    send(transaction, maker, "anna", "new", {})
    with transaction() as tx:
        tx.session.execute(
            idempotency_keys.update()
            .where(idempotency_keys.c.key == "old")
            .values(created_at=datetime.now(UTC) - idempotency.KEPT - timedelta(minutes=1))
        )

    with transaction() as tx:
        forgotten = idempotency.forget(tx.session, datetime.now(UTC) - idempotency.KEPT)
        kept = tx.session.scalars(select(idempotency_keys.c.key)).all()

    assert forgotten == 1 and kept == ["new"]
    assert send(transaction, maker, "anna", "old", {"now": "another"}) == {"thing": "thing-3"}
