"""The outbox keeps what is still to be sent and a few days of what was, the inbox a couple of
weeks of what was handled: older rows are forgotten, the oldest first, a batch at a time; on
the layer's database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import insert, inspect, select, text
from sqlalchemy.orm import Session

from services.common.database import forget_handled, forget_in_batches
from services.common.engine import create_service_engine
from services.common.events import Event
from services.common.migrations import alembic_config, create_tables, upgrade
from services.common.outbox import forget_published
from services.common.settings import derive_database_url
from services.common.tables import inbox, outbox

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
KEPT_FROM = NOW - timedelta(days=7)


@pytest.fixture
def ledger_outbox(database_url):
    url = derive_database_url(database_url, "ledger")
    create_tables(url)
    engine = create_service_engine(url)
    yield engine
    engine.dispose()


def write(engine, *published: datetime | None) -> None:
    """Events in this order, each published at its moment (None: not yet)."""
    rows = []
    for moment in published:
        event = Event(type="entry_recorded", payload={"entry_id": "e", "amount": 1})
        rows.append(
            {
                "event_id": str(event.event_id),
                "source": "ledger",
                "event_type": event.type,
                "message": event.to_message(),
                "created_at": (moment or NOW) - timedelta(seconds=1),
                "published_at": moment,
            }
        )
    with Session(engine) as session, session.begin():
        session.execute(insert(outbox), rows)


def kept(engine) -> list[datetime | None]:
    with Session(engine) as session:
        moments = session.scalars(select(outbox.c.published_at).order_by(outbox.c.id))
        # SQLite hands back naive UTC moments
        return [
            m if m is None else m.replace(tzinfo=m.tzinfo or UTC).astimezone(UTC) for m in moments
        ]


def forget(engine, batch: int) -> int:
    with Session(engine) as session, session.begin():
        return forget_published(session, KEPT_FROM, batch)


def test_published_events_past_their_days_go_oldest_first_a_batch_at_a_time(ledger_outbox):
    long_ago, yesterday = NOW - timedelta(days=10), NOW - timedelta(days=1)
    unsent = None  # an event the broker never confirmed stays, however old: it is still owed
    write(ledger_outbox, *[long_ago] * 3, unsent, long_ago, long_ago, yesterday, unsent)

    assert forget(ledger_outbox, batch=4) == 4
    assert kept(ledger_outbox) == [unsent, long_ago, yesterday, unsent]
    assert forget(ledger_outbox, batch=4) == 1
    assert forget(ledger_outbox, batch=4) == 0
    assert kept(ledger_outbox) == [unsent, yesterday, unsent]


def test_the_sweep_forgets_batch_after_batch_until_none_is_left_to_forget(fake_uow):
    uow = fake_uow("ledger")
    long_ago, yesterday = NOW - timedelta(days=10), NOW - timedelta(days=1)
    write(uow.engine, *[long_ago] * 5, yesterday)

    assert forget_in_batches(uow, forget_published, KEPT_FROM, batch=2) == 5
    assert kept(uow.engine) == [yesterday]


def test_inbox_rows_past_their_days_go_the_oldest_first_and_a_recent_one_stays(ledger_outbox):
    rows = [
        {"event_id": f"e-{n}", "handler": handler, "handled_at": NOW - timedelta(days=days)}
        for n, (handler, days) in enumerate(
            [("tally.count", 20), ("tally.audit", 20), ("tally.count", 15), ("tally.count", 1)]
        )
    ]
    with Session(ledger_outbox) as session, session.begin():
        session.execute(insert(inbox), rows)

    with Session(ledger_outbox) as session, session.begin():
        assert forget_handled(session, NOW - timedelta(days=14), batch=2) == 2
    with Session(ledger_outbox) as session, session.begin():
        assert forget_handled(session, NOW - timedelta(days=14), batch=2) == 1
        assert session.scalars(select(inbox.c.event_id)).all() == ["e-3"]


def test_a_database_migrated_before_the_inbox_had_its_index_gets_it(database_url):
    url = derive_database_url(database_url, "feedback")
    upgrade("feedback", url)
    engine = create_service_engine(url)

    def inbox_indexes() -> set[str]:
        return {index["name"] for index in inspect(engine).get_indexes("inbox")}

    try:
        assert "ix_inbox_handled_at" in inbox_indexes()  # a new database has it at once
        # as a database of the release before: its inbox without the index
        with engine.begin() as connection:
            connection.execute(text("DROP INDEX ix_inbox_handled_at"))
        command.stamp(alembic_config("feedback", url), "feedback_0005")
        upgrade("feedback", url)
        assert "ix_inbox_handled_at" in inbox_indexes()
    finally:
        engine.dispose()
