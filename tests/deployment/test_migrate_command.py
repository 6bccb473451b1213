"""`rathaus migrate`: the migration Job's command, and the check the pods wait on."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import text

from services.common.engine import create_service_engine
from services.common.migrations import migration_state, upgrade
from services.common.settings import derive_database_url

from .files import REPO


def _rathaus(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "services.launch", "--config", "config/local.yaml", *args],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url, "DEMO_DATA": "false"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.server  # runs the launcher as a process
def test_migrate_brings_a_services_database_to_this_release_and_check_then_passes(database_url):
    before = _rathaus(database_url, "migrate", "--check", "--service", "feedback")
    assert before.returncode == 1
    assert "feedback: database at no schema" in before.stderr
    assert "rathaus migrate" in before.stderr

    migrated = _rathaus(database_url, "migrate", "--service", "feedback", "--service", "gateway")
    assert migrated.returncode == 0, migrated.stderr

    after = _rathaus(database_url, "migrate", "--check", "--service", "feedback")
    assert after.returncode == 0, after.stderr
    state = migration_state("feedback", derive_database_url(database_url, "feedback"))
    assert state.current == state.wanted


@pytest.mark.server  # runs the launcher as a process
def test_the_check_waits_for_the_migration_done_elsewhere(database_url):
    """The pods' init container: started before the Job has finished, it goes on once the
    Job has migrated."""
    waiting = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "services.launch",
            "--config",
            "config/local.yaml",
            "migrate",
            "--check",
            "--wait",
            "90",
            "--service",
            "applications",
        ],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        upgrade("applications", derive_database_url(database_url, "applications"))
        output, errors = waiting.communicate(timeout=120)
    finally:
        waiting.kill()
    assert waiting.returncode == 0, errors
    assert "Migrated for this release: applications" in output


def test_a_database_a_later_release_migrated_counts_as_migrated(database_url):
    """Rolling back the code leaves the schema of the later release: expand-then-contract
    makes it one the earlier code runs on, so its pods must not wait for ever."""
    url = derive_database_url(database_url, "feedback")
    upgrade("feedback", url)
    engine = create_service_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'feedback_9999'"))
    engine.dispose()

    state = migration_state("feedback", url)
    assert state.current == ("feedback_9999",)
    assert not state.known
    assert state.done


def test_the_image_runs_the_migrate_command_with_its_configuration(run_entrypoint):
    assert run_entrypoint("migrate", "--service", "feedback") == (
        "rathaus --config /app/config/production.yaml migrate --service feedback"
    )
    waiting = run_entrypoint("migrate", "--check", "--wait", "600", "--service", "documents")
    assert waiting == (
        "rathaus --config /app/config/production.yaml "
        "migrate --check --wait 600 --service documents"
    )
