"""Which failures of a database mean it is away (try again later) and which are a mistake."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from services.common.engine import database_away
from tests.support.processes import free_port


def failure_of(engine, statement: str) -> DBAPIError:
    with pytest.raises(DBAPIError) as raised, engine.connect() as connection:
        connection.execute(text(statement))
    return raised.value


def test_a_postgresql_server_that_refuses_connections_is_away():
    engine = create_engine(f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/away")
    assert database_away(failure_of(engine, "SELECT 1"))


def test_a_sqlite_database_locked_by_another_writer_is_away(tmp_path):
    url = f"sqlite:///{tmp_path}/town.db"
    holder = create_engine(url, connect_args={"timeout": 0}).connect()
    holder.exec_driver_sql("BEGIN IMMEDIATE")
    waiter = create_engine(url, connect_args={"timeout": 0})
    try:
        assert database_away(failure_of(waiter, "BEGIN IMMEDIATE"))
    finally:
        holder.close()


def test_a_missing_table_is_a_mistake_not_an_absence(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/town.db")
    error = failure_of(engine, "SELECT * FROM no_such_table")
    assert "no such table" in str(error)
    assert not database_away(error)


def test_an_error_that_is_not_the_databases_is_not_an_absence():
    assert not database_away(ConnectionRefusedError("the broker"))
