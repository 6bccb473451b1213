"""Readers for the deployment files: compose, Kubernetes manifests, Dockerfile, config.

The YAML here is read with PyYAML's own safe loader. nameko adds an implicit `${ENV}`
resolver to `yaml.SafeLoader` itself (globally) when it loads a config, which would
substitute compose's `${VAR:-default}` as if it were nameko syntax.
"""

from __future__ import annotations

import copy
import functools
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from yaml.resolver import Resolver

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "deploy" / "Dockerfile"
ENTRYPOINT = REPO / "deploy" / "entrypoint.sh"
PRODUCTION_CONFIG = REPO / "deploy" / "config" / "production.yaml"
LOCAL_CONFIG = REPO / "config" / "local.yaml"
POLICIES_SCRIPT = REPO / "deploy" / "rabbitmq" / "policies.sh"
K8S_BASE = REPO / "deploy" / "k8s" / "base"
K8S_OVERLAYS = REPO / "deploy" / "k8s" / "overlays"


class PlainLoader(yaml.SafeLoader):
    """yaml.SafeLoader as PyYAML ships it, whatever nameko has added to SafeLoader since."""


PlainLoader.yaml_implicit_resolvers = {
    first: list(resolvers) for first, resolvers in Resolver.yaml_implicit_resolvers.items()
}


def load_yaml(path: Path) -> Any:
    return copy.deepcopy(_parsed(path.read_text())[0])


def load_yaml_documents(path: Path) -> list[Any]:
    return load_yaml_text_documents(path.read_text())


def load_yaml_text_documents(text: str) -> list[Any]:
    return [document for document in copy.deepcopy(_parsed(text)) if document is not None]


@functools.cache
def _parsed(text: str) -> list[Any]:
    """The documents of a text, parsed once a run (the pure-Python loader is slow; the
    manifests are read by dozens of tests); callers get copies to change as they like."""
    return list(yaml.load_all(text, Loader=PlainLoader))


# compose -------------------------------------------------------------------------------

_COMPOSE_VARIABLE = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}"
)


def compose_interpolate(value: Any, environment: Mapping[str, str] | None = None) -> Any:
    """Compose's `${VAR}`, `${VAR:-default}` and `$$`, over strings in nested values."""
    environment = environment or {}
    if isinstance(value, str):

        def substitute(match: re.Match) -> str:
            if match.group(0) == "$$":
                return "$"
            found = environment.get(match.group("name"))
            return found if found else (match.group("default") or "")

        return _COMPOSE_VARIABLE.sub(substitute, value)
    if isinstance(value, list):
        return [compose_interpolate(item, environment) for item in value]
    if isinstance(value, dict):
        return {key: compose_interpolate(item, environment) for key, item in value.items()}
    return value


def compose() -> dict[str, Any]:
    """docker-compose.yml as compose sees it with no variables set: the defaults."""
    return compose_interpolate(load_yaml(COMPOSE_FILE))


def container_port(port: str | int | dict) -> int:
    """The container side of a compose port: "127.0.0.1:8025:8025", "8000:8000", 8000."""
    if isinstance(port, dict):
        return int(port["target"])
    return int(str(port).split("/")[0].rsplit(":", 1)[-1])


def environment_of(service: Mapping[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: "" if value is None else str(value) for key, value in environment.items()}


# Kubernetes ----------------------------------------------------------------------------


def k8s_base_documents() -> list[dict[str, Any]]:
    kustomization = load_yaml(K8S_BASE / "kustomization.yaml")
    documents: list[dict[str, Any]] = []
    for resource in kustomization["resources"]:
        documents.extend(load_yaml_documents(K8S_BASE / resource))
    return documents


def k8s_objects(kind: str) -> dict[str, dict[str, Any]]:
    return {
        document["metadata"]["name"]: document
        for document in k8s_base_documents()
        if document["kind"] == kind
    }


# Dockerfile ----------------------------------------------------------------------------


def dockerfile_stages(path: Path = DOCKERFILE) -> list[list[tuple[str, str]]]:
    """The Dockerfile's stages, each a list of (INSTRUCTION, arguments)."""
    logical_lines: list[str] = []
    pending = ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical_lines.append(pending + stripped)
        pending = ""
    stages: list[list[tuple[str, str]]] = []
    for line in logical_lines:
        instruction, _, arguments = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction.upper(), arguments.strip()))
    return stages


# nameko configuration ------------------------------------------------------------------


def environment_names_in(path: Path) -> set[str]:
    """The variables a nameko config file reads (comment lines left out)."""
    lines = [line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")]
    return set(re.findall(r"\$\{([^}:\s]+)", "\n".join(lines)))


@contextmanager
def environment(values: Mapping[str, str], clear: set[str]) -> Iterator[None]:
    """os.environ with `clear` unset and `values` set, restored afterwards."""
    saved = {name: os.environ.get(name) for name in {*clear, *values}}
    try:
        for name in clear:
            os.environ.pop(name, None)
        os.environ.update(values)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def load_nameko_config(path: Path, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Load a config file as `rathaus --config` does, without touching nameko.config.

    Every variable the file names is unset first, so the file's own defaults show.
    """
    from nameko.cli.utils.config import load_config

    with environment(env or {}, clear=environment_names_in(path)), path.open("rb") as file:
        return load_config(file)


def key_paths(mapping: Mapping[str, Any], prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for key, value in mapping.items():
        path = f"{prefix}{key}"
        paths.add(path)
        if isinstance(value, Mapping):
            paths |= key_paths(value, f"{path}.")
    return paths
