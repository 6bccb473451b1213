"""Migrations: applied by the launcher, safe when several instances start at once."""

import subprocess
import sys
import uuid
from datetime import UTC, datetime

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from services.common.migrations import alembic_config, drop_databases, upgrade
from services.common.settings import derive_database_url
from tests.support.databases import POSTGRES_SERVER, database_transaction, postgres_database_url
from tests.support.processes import REPO


def test_three_instances_migrating_one_new_database_at_once_all_succeed():
    name = f"rathaus_test_migrate_{uuid.uuid4().hex[:8]}"
    url = postgres_database_url(name)
    try:
        # separate processes, as separate instances are (Alembic's context is per process)
        migrate = (
            f"from services.common.migrations import upgrade; upgrade('appointments', '{url}')"
        )
        instances = [
            subprocess.Popen([sys.executable, "-c", migrate], cwd=REPO, stderr=subprocess.PIPE)
            for _ in range(3)
        ]
        outcomes = [(p.wait(timeout=60), p.stderr.read().decode()) for p in instances]
        assert [code for code, _ in outcomes] == [0, 0, 0], outcomes

        with database_transaction(url) as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
            tables = set(inspect(connection).get_table_names())
        head = ScriptDirectory.from_config(alembic_config("appointments", url)).get_current_head()
        assert versions == [(head,)]
        assert {"outbox", "inbox"} <= tables
    finally:
        drop_databases(POSTGRES_SERVER, name)


def test_every_service_migrates_on_sqlite_from_nothing(tmp_path):
    for service in ("appointments", "applications", "documents", "notifications", "feedback"):
        url = f"sqlite:///{tmp_path}/{service}.db"
        upgrade(service, url)
        with database_transaction(url) as connection:
            tables = set(inspect(connection).get_table_names())
        assert {"outbox", "inbox", "alembic_version"} <= tables


def test_inbox_items_written_before_owner_kinds_stay_in_their_queues(database_url):
    url = derive_database_url(database_url, "notifications")
    upgrade("notifications", url, "notifications_0002")
    now = datetime.now(UTC)
    # one event in the clerks' queue and in the inbox of a citizen called clerk
    owners = {"1": "role:clerk", "2": "department:roads", "3": "anna", "4": "clerk"}
    with database_transaction(url) as connection:
        for item_id, owner in owners.items():
            connection.execute(
                text(
                    "INSERT INTO inbox_items (id, owner, event_id, event_type, title, body,"
                    " created_at) VALUES (:id, :owner, 'e-1', 'x.y', 't', 'b', :now)"
                ),
                {"id": item_id, "owner": owner, "now": now},
            )
    upgrade("notifications", url)

    with database_transaction(url) as connection:
        rows = connection.execute(
            text("SELECT id, owner_kind, owner FROM inbox_items ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [
        ("1", "role", "clerk"),
        ("2", "department", "roads"),
        ("3", "account", "anna"),
        ("4", "account", "clerk"),
    ]
