"""A unit of work without broker or database server, for testing use cases in milliseconds.

`FakeUnitOfWork` is the service's own unit of work over an in-memory SQLite database: the
same transaction, outbox rows, inbox and idempotency keys as in production, no file, no
RabbitMQ. What a use case publishes is collected in `published` only once its transaction
commits, so a test sees that a refused change published nothing. Registered as a pytest
plugin (tests/conftest.py): `fake_uow(Base.metadata)` builds one for a test.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import MetaData
from sqlalchemy.orm import sessionmaker

from services.common.audit import audit_metadata
from services.common.database import Transaction, UnitOfWork
from services.common.engine import TransactionGate, create_service_engine
from services.common.events import Event
from services.common.tables import idempotency_metadata, plumbing_metadata


class _NoRelay:
    """Nothing leaves: the events stay in `FakeUnitOfWork.published`."""

    def kick(self) -> None:
        pass

    def recording(self) -> None:
        pass

    def recorded(self, committed: bool) -> None:
        pass


class FakeUnitOfWork(UnitOfWork):
    def __init__(
        self,
        source: str,
        *metadata: MetaData,
        context_data: dict[str, Any] | None = None,
        handler: str | None = None,
    ) -> None:
        self.engine = create_service_engine("sqlite://")
        own = {name for tables in metadata for name in tables.tables}
        # a service whose own table is called audit_trail keeps the shared one under another
        # name (services/common/audit.py): the shared table is left out for it
        shared = [m for m in (audit_metadata,) if not own & set(m.tables)]
        for tables in (plumbing_metadata, idempotency_metadata, *shared, *metadata):
            tables.create_all(self.engine)
        super().__init__(
            sessionmaker(self.engine, expire_on_commit=False),
            TransactionGate(self.engine),
            _NoRelay(),  # type: ignore[arg-type]
            source,
            context_data or {},
            handler,
        )
        self.published: list[Event] = []
        self.commits = 0

    @contextmanager
    def transaction(self, handling: Event | Sequence[Event] | None = None) -> Iterator[Transaction]:
        with super().transaction(handling) as tx:
            yield tx
        self.commits += 1
        self.published.extend(tx.recorded)

    def published_types(self) -> list[str]:
        return [event.type for event in self.published]

    def payloads_of(self, event_type: str) -> list[dict[str, Any]]:
        return [dict(event.payload) for event in self.published if event.type == event_type]


@pytest.fixture
def fake_uow():
    """Make a service's fake unit of work: `fake_uow("feedback", Base.metadata)`."""
    made: list[FakeUnitOfWork] = []

    def make(source: str, *metadata: MetaData, **options: Any) -> FakeUnitOfWork:
        made.append(FakeUnitOfWork(source, *metadata, **options))
        return made[-1]

    yield make
    for uow in made:
        uow.engine.dispose()
