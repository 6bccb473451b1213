"""Fixtures of the deployment tests that more than one of their modules uses."""

from __future__ import annotations

import os
import subprocess

import pytest

from .files import ENTRYPOINT


@pytest.fixture
def run_entrypoint(tmp_path):
    """Run deploy/entrypoint.sh with a `rathaus` on PATH that prints what it was given."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "rathaus"
    fake.write_text('#!/bin/sh\necho rathaus "$@"\n')
    fake.chmod(0o755)

    def run(*args: str, **environment: str) -> str:
        env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", **environment}
        result = subprocess.run(
            ["/bin/sh", str(ENTRYPOINT), *args],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=10,
        )
        return result.stdout.strip()

    return run
