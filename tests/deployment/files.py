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
    """The base's objects as its files hold them (a folder resource's too), not rendered."""
    return _resource_documents(K8S_BASE)


def _resource_documents(folder: Path) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    for resource in load_yaml(folder / "kustomization.yaml").get("resources", []):
        path = folder / resource
        if path.is_dir():
            documents.extend(_resource_documents(path))
        else:
            documents.extend(load_yaml_documents(path))
    return documents


class UnsupportedKustomization(Exception):
    """A kustomization uses a field `render` does not apply: teach it, or use kubectl."""


# what `render` applies; anything else in a kustomization fails the render loudly
_KUSTOMIZATION_FIELDS = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "labels",
    "images",
    "configMapGenerator",
    "patches",
}


def render(folder: Path) -> list[dict[str, Any]]:
    """What `kubectl kustomize folder` renders, for the fields our kustomizations use:
    resources (files and folders), namespace, labels, images, configMapGenerator (without
    the name's hash) and JSON 6902 patches. kubectl is not needed to run the tests."""
    kustomization = load_yaml(folder / "kustomization.yaml")
    unsupported = set(kustomization) - _KUSTOMIZATION_FIELDS
    if unsupported:
        raise UnsupportedKustomization(f"{folder}: {sorted(unsupported)}")
    objects: list[dict[str, Any]] = []
    for resource in kustomization.get("resources", []):
        path = (folder / resource).resolve()
        objects.extend(render(path) if path.is_dir() else load_yaml_documents(path))
    objects = _generate_config_maps(objects, kustomization.get("configMapGenerator", []))
    for entry in kustomization.get("labels", []):
        for document in objects:
            document.setdefault("metadata", {}).setdefault("labels", {}).update(entry["pairs"])
    for image in kustomization.get("images", []):
        for container in (c for document in objects for c in _containers(document)):
            name, _, _tag = container["image"].partition(":")
            if name == image["name"]:
                new_name = image.get("newName", name)
                container["image"] = (
                    f"{new_name}:{image['newTag']}" if "newTag" in image else new_name
                )
    for patch in kustomization.get("patches", []):
        operations = yaml.load(patch["patch"], Loader=PlainLoader)
        for document in objects:
            if _targeted(document, patch["target"]):
                for operation in operations:
                    _apply_operation(document, operation)
    namespace = kustomization.get("namespace")
    if namespace:
        for document in objects:
            if document["kind"] != "Namespace":
                document["metadata"]["namespace"] = namespace
    return objects


def _generate_config_maps(objects: list[dict[str, Any]], generators: list[dict]) -> list[dict]:
    for generator in generators:
        data = dict(literal.split("=", 1) for literal in generator.get("literals", []))
        existing = [
            document
            for document in objects
            if document["kind"] == "ConfigMap" and document["metadata"]["name"] == generator["name"]
        ]
        if generator.get("behavior") == "merge":
            (config_map,) = existing
            config_map["data"].update(data)
        else:
            assert not existing, f"ConfigMap {generator['name']} generated twice"
            objects.append(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": generator["name"]},
                    "data": data,
                }
            )
    return objects


def _containers(document: dict[str, Any]) -> list[dict[str, Any]]:
    spec = document.get("spec", {})
    pod = spec.get("template", {}).get("spec", {}) if "template" in spec else {}
    return [*pod.get("initContainers", []), *pod.get("containers", [])]


def _targeted(document: dict[str, Any], target: Mapping[str, str]) -> bool:
    return all(
        document.get("kind") == value if key == "kind" else document["metadata"].get(key) == value
        for key, value in target.items()
    )


def _apply_operation(document: dict[str, Any], operation: Mapping[str, Any]) -> None:
    *parents, last = [
        part.replace("~1", "/").replace("~0", "~") for part in operation["path"].split("/")[1:]
    ]
    node: Any = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) and last != "-" else last
    if operation["op"] == "replace":
        if isinstance(node, dict) and key not in node:
            raise KeyError(f"replace of a missing {operation['path']}")
        node[key] = operation["value"]
    elif operation["op"] == "add":
        if isinstance(node, list):
            node.insert(len(node) if key == "-" else key, operation["value"])
        else:
            node[key] = operation["value"]
    elif operation["op"] == "remove":
        del node[key]
    else:
        raise UnsupportedKustomization(f"patch operation {operation['op']}")


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
