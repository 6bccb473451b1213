"""deploy/Dockerfile and deploy/entrypoint.sh: one image, any service, not as root."""

from __future__ import annotations

import json
import shlex
import tomllib
from pathlib import Path

from setuptools import find_packages

from services import ALL_SERVICES

from .files import DOCKERFILE, REPO, dockerfile_stages


def _final_stage() -> list[tuple[str, str]]:
    return dockerfile_stages()[-1]


def _stage(name: str) -> list[tuple[str, str]]:
    """The stage `FROM ... AS name`."""
    return next(stage for stage in dockerfile_stages() if stage[0][1].split()[-1] == name)


def _copies(stage: list[tuple[str, str]]) -> list[tuple[list[str], str]]:
    """(sources, destination) of each COPY from the build context, not --from a stage."""
    copies = []
    for instruction, arguments in stage:
        if instruction != "COPY" or "--from=" in arguments:
            continue
        words = [word for word in shlex.split(arguments) if not word.startswith("--")]
        copies.append((words[:-1], words[-1]))
    return copies


def test_the_image_is_built_on_python_3_11_slim():
    images = [stage[0][1].split()[0] for stage in dockerfile_stages()]
    # Node.js only fetches the portal's pinned npm packages; nothing of it reaches the image
    assert images == ["node:20-slim", "python:3.11-slim", "python:3.11-slim"]


def test_the_portals_assets_come_from_the_lock_file_into_the_installed_package():
    assets = _stage("assets")
    build = _stage("build")

    assert ("RUN", "npm ci --no-audit --no-fund --ignore-scripts") in assets
    copied = [arguments for instruction, arguments in build if instruction == "COPY"]
    from_assets = [arguments for arguments in copied if "--from=assets" in arguments]
    assert len(from_assets) == 1
    assert from_assets[0].split()[-1].endswith("/services/portal/assets/node_modules")


def test_the_image_runs_as_a_non_root_user():
    users = [arguments for instruction, arguments in _final_stage() if instruction == "USER"]

    assert users, "the final stage sets no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    # numeric, so that Kubernetes' runAsNonRoot can check it
    assert user.isdigit()


def test_every_file_the_dockerfile_copies_from_the_repository_exists():
    for stage in dockerfile_stages():
        for sources, _destination in _copies(stage):
            for source in sources:
                matches = list(REPO.glob(source.rstrip("/")))
                optional = any(char in source for char in "*?[")
                assert matches or optional, f"COPY {source}: not in the repository"
            assert any(list(REPO.glob(source.rstrip("/"))) for source in sources)


def test_the_package_installed_in_the_image_holds_every_service_and_its_migrations():
    """`pip install .` in the build stage sees only pyproject.toml and services/."""
    copied = {source.rstrip("/") for sources, _ in _copies(_stage("build")) for source in sources}
    assert {"pyproject.toml", "services"} <= copied
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]

    installed = set(find_packages(where=str(REPO), include=include))

    present = [name for name in ALL_SERVICES if (REPO / "services" / name / "service.py").exists()]
    assert present, "no service package found"
    for name in present:
        assert f"services.{name}" in installed
        if (REPO / "services" / name / "migrations").is_dir():
            assert f"services.{name}.migrations" in installed
            assert f"services.{name}.migrations.versions" in installed
    assert pyproject["project"]["scripts"]["rathaus"] == "services.launch:main"


def test_the_image_starts_the_launcher_through_the_entrypoint_script():
    final = dict(_final_stage())
    entrypoint = json.loads(final["ENTRYPOINT"])
    copied = {destination: sources for sources, destination in _copies(_final_stage())}

    assert entrypoint[-1] == "/app/entrypoint.sh"
    assert copied["/app/entrypoint.sh"] == ["deploy/entrypoint.sh"]
    assert copied["/app/config/production.yaml"] == ["deploy/config/production.yaml"]
    environment = " ".join(
        arguments for instruction, arguments in _final_stage() if instruction == "ENV"
    )
    assert "RATHAUS_CONFIG=/app/config/production.yaml" in environment


def test_the_entrypoint_runs_the_service_named_in_the_arguments(run_entrypoint):
    assert run_entrypoint("--service", "notifications") == (
        "rathaus --config /app/config/production.yaml --service notifications"
    )


def test_the_entrypoint_runs_the_service_named_in_rathaus_service(run_entrypoint):
    assert run_entrypoint(RATHAUS_SERVICE="feedback") == (
        "rathaus --config /app/config/production.yaml --service feedback"
    )


def test_the_entrypoint_reads_the_config_named_in_rathaus_config(run_entrypoint):
    assert run_entrypoint("--service", "gateway", RATHAUS_CONFIG="/etc/rathaus.yaml") == (
        "rathaus --config /etc/rathaus.yaml --service gateway"
    )


def test_the_entrypoint_runs_every_service_when_none_is_named(run_entrypoint):
    assert run_entrypoint() == "rathaus --config /app/config/production.yaml"


def test_the_entrypoint_runs_any_other_command_as_it_is(run_entrypoint):
    assert run_entrypoint("echo", "rathaus-dead-letters", "list") == "rathaus-dead-letters list"


def test_the_build_context_leaves_out_virtualenv_local_data_git_and_bytecode():
    ignore = Path(f"{DOCKERFILE}.dockerignore")
    patterns = {
        line.strip()
        for line in ignore.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }

    assert {".venv", "var", ".git", "**/__pycache__"} <= patterns
    for needed in ("pyproject.toml", "services", "config", "deploy/config", "deploy/entrypoint.sh"):
        assert needed not in patterns
