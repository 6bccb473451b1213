"""Every object the kustomizations render is one the API server and the operators accept:
Kubernetes' own kinds against the API's schemas, CloudNativePG's and KEDA's against their
CRD schemas, strictly (an unknown field fails), offline."""

from __future__ import annotations

import copy

import pytest

from .files import K8S_BASE, K8S_OVERLAYS, render
from .manifest_validation import (
    OPERATOR_GROUPS,
    VALIDATED_ELSEWHERE,
    core_errors,
    group_of,
    is_core,
    operator_errors,
)

KUSTOMIZATIONS = [K8S_BASE, *sorted(path for path in K8S_OVERLAYS.iterdir() if path.is_dir())]


def _first(kind: str, documents: list[dict]) -> dict:
    return copy.deepcopy(next(document for document in documents if document["kind"] == kind))


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS, ids=lambda path: path.name)
def test_every_kubernetes_object_matches_the_api_schema(kustomization):
    rendered = [document for document in render(kustomization) if is_core(document)]

    assert {"Deployment", "Job", "PodDisruptionBudget", "Ingress"} <= {d["kind"] for d in rendered}
    assert [error for document in rendered if (error := core_errors(document))] == []


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS, ids=lambda path: path.name)
def test_every_operator_object_matches_its_crd_schema(kustomization):
    rendered = [document for document in render(kustomization) if not is_core(document)]
    ours = [document for document in rendered if group_of(document) in OPERATOR_GROUPS]
    others = {group_of(document) for document in rendered} - OPERATOR_GROUPS

    # a kind of another operator needs its schema here, or a suite of its own
    assert others <= VALIDATED_ELSEWHERE
    kinds = {document["kind"] for document in ours}
    assert {"Cluster", "Database", "Pooler", "ScaledObject", "TriggerAuthentication"} <= kinds
    failed = [result for result in operator_errors(ours) if result["errors"]]
    assert failed == []


def test_a_misspelt_or_mistyped_field_fails_validation():
    rendered = render(K8S_BASE)

    deployment = _first("Deployment", rendered)
    deployment["spec"]["replica"] = 2
    assert "replica" in (core_errors(deployment) or "")
    probe = _first("Deployment", rendered)
    probe["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["port"] = 1.5
    assert core_errors(probe) is not None

    cluster = _first("Cluster", rendered)
    cluster["spec"]["instancez"] = 3
    pooler = _first("Pooler", rendered)
    pooler["spec"]["pgbouncer"]["poolMode"] = "transactional"
    scaled = _first("ScaledObject", rendered)
    scaled["spec"]["minReplicaCount"] = "2"
    database = _first("Database", rendered)
    del database["spec"]["owner"]
    results = operator_errors([cluster, pooler, scaled, database])

    assert [result["errors"][0]["path"] for result in results] == [
        "/spec/instancez",
        "/spec/pgbouncer/poolMode",
        "/spec/minReplicaCount",
        "/spec",
    ]
    assert "owner" in results[3]["errors"][0]["message"]


def test_an_object_of_a_kind_no_schema_describes_is_refused():
    (result,) = operator_errors(
        [{"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledThing", "metadata": {"name": "x"}}]
    )

    assert result["errors"] == [{"path": "", "message": "unknown kind"}]
