"""Kubernetes objects checked against schemas, offline: the API's own kinds with
kubernetes-validate (strict: a field the API does not know is an error, as `kubectl apply`
says), the operators' kinds (CloudNativePG, KEDA) with their CRD schemas from npm
(tests/deployment/schemas/, through node)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate

SCHEMAS = Path(__file__).resolve().parent / "schemas"
NODE_MODULES = SCHEMAS / "node_modules"
# the oldest Kubernetes the manifests are for: a field newer than this is an error
KUBERNETES_VERSION = "1.30.0"
# the groups of the operators whose CRD schemas tests/deployment/schemas/ carries
OPERATOR_GROUPS = {"postgresql.cnpg.io", "keda.sh"}
# groups whose objects another suite checks: the RabbitMQ Cluster Operator's and its
# topology operator's kinds (deploy/k8s/base/rabbitmq/), the Prometheus Operator's
# (observability.yaml, tests/deployment/test_observability.py)
VALIDATED_ELSEWHERE = {"rabbitmq.com", "monitoring.coreos.com"}


def group_of(document: dict[str, Any]) -> str:
    api_version = document["apiVersion"]
    return api_version.split("/")[0] if "/" in api_version else ""


def is_core(document: dict[str, Any]) -> bool:
    """A kind of Kubernetes itself: the core group, or a group the API serves (*.k8s.io,
    apps, batch, policy, ...), as opposed to a CRD's."""
    group = group_of(document)
    return group == "" or "." not in group or group.endswith(".k8s.io")


def core_errors(document: dict[str, Any]) -> str | None:
    """Why the API would refuse `document`, or None."""
    try:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        where = "/".join(str(part) for part in error.path)
        return f"{document['kind']} {document['metadata']['name']}: {where}: {error.message}"
    return None


class SchemasNotInstalled(RuntimeError):
    """The npm packages of tests/deployment/schemas are missing: `make unit` installs them
    (npm ci in tests/deployment/schemas)."""


def operator_errors(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each document's errors against its operator's CRD schema, in order:
    [{kind, name, errors: [{path, message}]}]."""
    if not NODE_MODULES.is_dir():
        raise SchemasNotInstalled(f"run `npm ci` in {SCHEMAS}")
    node = shutil.which("node")
    if node is None:
        raise SchemasNotInstalled("node is not installed")
    result = subprocess.run(
        [node, str(SCHEMAS / "validate.mjs")],
        input=json.dumps(documents),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
