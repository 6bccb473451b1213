"""Which failures of a database mean it is away (try again later) and which are a mistake."""

from __future__ import annotations

import json
import socket
import time

import pytest
from nameko import config
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from services.common.engine import create_service_engine, database_away
from services.documents.data_plane import error_answer
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


def test_the_documents_data_plane_answers_a_database_away_as_unavailable():
    engine = create_engine(f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/away")
    answer = error_answer(failure_of(engine, "SELECT 1"))
    assert answer.status_code == 503
    assert json.loads(answer.get_data())["error"]["code"] == "service_unavailable"


def test_the_documents_data_plane_answers_a_sql_mistake_as_internal(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/town.db")
    answer = error_answer(failure_of(engine, "SELECT * FROM no_such_table"))
    assert answer.status_code == 500
    assert "no_such_table" not in answer.get_data(as_text=True)


def test_a_postgresql_host_that_does_not_answer_is_away_after_the_connect_timeout():
    # a listener that never accepts: the kernel completes the handshake, nobody answers
    silent = socket.create_server(("127.0.0.1", 0), backlog=8)
    port = silent.getsockname()[1]
    try:
        with config.patch({"DATABASE_POOL": {"connect_timeout": 0.3}}):
            engine = create_service_engine(f"postgresql://postgres@127.0.0.1:{port}/silent")
        started = time.monotonic()
        error = failure_of(engine, "SELECT 1")
        assert time.monotonic() - started < 5
        assert "within 0.3 s" in str(error)
        assert database_away(error)
    finally:
        silent.close()
