"""The broker's topology said three times the same: deploy/rabbitmq/policies.sh (compose),
deploy/k8s/base/rabbitmq/ (the RabbitMQ operators' resources) and the services' own
declarations (services/common/topology.py); and the RabbitmqCluster as operators need it.

The operators' CRD schemas are not packaged anywhere these tests can reach offline, so
their kinds are checked against the fields the operators' API references define
(RabbitmqCluster, Policy, Queue, Exchange, Binding of rabbitmq.com/v1beta1), strictly: a
field they do not define fails, as the API server would refuse it. What the cluster spec
takes from Kubernetes itself (affinity, resources, topology spread) is checked against the
Kubernetes API schema.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import jsonschema
import kubernetes_validate
import pytest

from services.common.topology import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    UNROUTABLE_EXCHANGE,
    UNROUTABLE_QUEUE,
    queue_arguments,
)

from .files import K8S_BASE, POLICIES_SCRIPT, load_yaml_documents, render

RABBITMQ_FOLDER = K8S_BASE / "rabbitmq"
KUBERNETES_VERSION = "1.30.0"


def policies_script_commands() -> list[tuple[str, dict[str, str]]]:
    """Each `rmq declare <kind> key=value ...` of policies.sh, its values unquoted."""
    text = POLICIES_SCRIPT.read_text().replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if words[:2] == ["rmq", "declare"]:
            commands.append((words[2], dict(word.split("=", 1) for word in words[3:])))
    return commands


def script_declares(kind: str) -> dict[str, dict[str, str]]:
    keyed = "source" if kind == "binding" else "name"
    return {found[keyed]: found for what, found in policies_script_commands() if what == kind}


def topology_resources(kind: str) -> list[dict[str, Any]]:
    return [
        document
        for document in load_yaml_documents(RABBITMQ_FOLDER / "topology.yaml")
        if document["kind"] == kind
    ]


def test_the_policy_resources_say_what_policies_sh_says():
    in_script = {
        name: {
            "pattern": found["pattern"],
            "applyTo": found["apply-to"],
            "priority": int(found["priority"]),
            "definition": json.loads(found["definition"]),
        }
        for name, found in script_declares("policy").items()
    }
    as_resources = {
        resource["spec"]["name"]: {
            key: resource["spec"][key] for key in ("pattern", "applyTo", "priority", "definition")
        }
        for resource in topology_resources("Policy")
    }

    assert set(in_script) == {"rathaus-unroutable", "rathaus-rpc-requests"}
    assert as_resources == in_script
    # the patterns are the broker's regular expressions: they must compile, and match ours
    assert re.search(in_script["rathaus-rpc-requests"]["pattern"], "rpc-notifications")
    assert re.search(in_script["rathaus-unroutable"]["pattern"], "applications.events")
    assert not re.search(in_script["rathaus-unroutable"]["pattern"], "gateway.transient")


def test_the_queues_exchanges_and_bindings_are_those_the_services_declare():
    script_queues = script_declares("queue")
    script_exchanges = script_declares("exchange")
    script_bindings = script_declares("binding")
    queues = {
        resource["spec"]["name"]: resource["spec"] for resource in topology_resources("Queue")
    }
    exchanges = {r["spec"]["name"]: r["spec"] for r in topology_resources("Exchange")}
    bindings = {r["spec"]["source"]: r["spec"] for r in topology_resources("Binding")}

    for queue in (DEAD_LETTER_QUEUE, UNROUTABLE_QUEUE):
        # what the services declare: a quorum queue with no other argument
        assert queue.queue_arguments == queue_arguments(queue.name) == {"x-queue-type": "quorum"}
        assert json.loads(script_queues[queue.name]["arguments"]) == queue.queue_arguments
        assert script_queues[queue.name]["durable"] == "true"
        assert queues[queue.name]["type"] == "quorum"
        assert queues[queue.name]["durable"] is True
        assert queues[queue.name].get("arguments", {}) == {}
    assert set(queues) == set(script_queues)

    for exchange in (DEAD_LETTER_EXCHANGE, UNROUTABLE_EXCHANGE):
        assert script_exchanges[exchange.name]["type"] == exchange.type
        assert exchanges[exchange.name]["type"] == exchange.type
        assert exchanges[exchange.name]["durable"] is True
    assert set(exchanges) == set(script_exchanges)

    routing = {DEAD_LETTER_QUEUE.name: DEAD_LETTER_QUEUE.routing_key, UNROUTABLE_QUEUE.name: ""}
    for source, key in routing.items():
        assert script_bindings[source]["destination"] == bindings[source]["destination"] == source
        assert script_bindings[source]["routing_key"] == bindings[source]["routingKey"] == key
        assert bindings[source]["destinationType"] == "queue"
    assert set(bindings) == set(script_bindings)


# the fields of rabbitmq.com/v1beta1 as the operators' API references define them (Cluster
# Operator 2.x, Messaging Topology Operator 1.x); additionalProperties false everywhere
def _strict(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


ANY_OBJECT = {"type": "object"}
STRING = {"type": "string"}
BOOLEAN = {"type": "boolean"}
CLUSTER_REFERENCE = _strict(
    {"name": STRING, "namespace": STRING, "connectionSecret": _strict({"name": STRING})}
)
METADATA = {"type": "object", "required": ["name"]}


def _kind(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return _strict(
        {
            "apiVersion": {"const": "rabbitmq.com/v1beta1"},
            "kind": {"const": kind},
            "metadata": METADATA,
            "spec": spec,
        },
        ("apiVersion", "kind", "metadata", "spec"),
    )


TOPOLOGY_SCHEMAS = {
    "Policy": _kind(
        "Policy",
        _strict(
            {
                "name": STRING,
                "vhost": STRING,
                "pattern": STRING,
                "applyTo": {"enum": ["queues", "exchanges", "all"]},
                "priority": {"type": "integer", "minimum": 0},
                "definition": ANY_OBJECT,
                "rabbitmqClusterReference": CLUSTER_REFERENCE,
            },
            ("name", "pattern", "definition", "rabbitmqClusterReference"),
        ),
    ),
    "Queue": _kind(
        "Queue",
        _strict(
            {
                "name": STRING,
                "vhost": STRING,
                "type": {"enum": ["quorum", "classic", "stream"]},
                "durable": BOOLEAN,
                "autoDelete": BOOLEAN,
                "arguments": ANY_OBJECT,
                "deletionPolicy": {"enum": ["delete", "retain"]},
                "rabbitmqClusterReference": CLUSTER_REFERENCE,
            },
            ("name", "rabbitmqClusterReference"),
        ),
    ),
    "Exchange": _kind(
        "Exchange",
        _strict(
            {
                "name": STRING,
                "vhost": STRING,
                "type": STRING,
                "durable": BOOLEAN,
                "autoDelete": BOOLEAN,
                "arguments": ANY_OBJECT,
                "rabbitmqClusterReference": CLUSTER_REFERENCE,
            },
            ("name", "rabbitmqClusterReference"),
        ),
    ),
    "Binding": _kind(
        "Binding",
        _strict(
            {
                "vhost": STRING,
                "source": STRING,
                "destination": STRING,
                "destinationType": {"enum": ["queue", "exchange"]},
                "routingKey": STRING,
                "arguments": ANY_OBJECT,
                "rabbitmqClusterReference": CLUSTER_REFERENCE,
            },
            ("rabbitmqClusterReference",),
        ),
    ),
}
CLUSTER_SCHEMA = _kind(
    "RabbitmqCluster",
    _strict(
        {
            "replicas": {"type": "integer", "minimum": 0},
            "image": STRING,
            "imagePullSecrets": {"type": "array"},
            "service": _strict(
                {"type": STRING, "annotations": ANY_OBJECT, "ipFamilyPolicy": STRING}
            ),
            "persistence": _strict({"storageClassName": STRING, "storage": STRING}),
            "resources": ANY_OBJECT,
            "affinity": ANY_OBJECT,
            "tolerations": {"type": "array"},
            "terminationGracePeriodSeconds": {"type": "integer", "minimum": 0},
            "delayStartSeconds": {"type": "integer", "minimum": 0},
            "skipPostDeployTasks": BOOLEAN,
            "tls": ANY_OBJECT,
            "secretBackend": ANY_OBJECT,
            "rabbitmq": _strict(
                {
                    "additionalPlugins": {"type": "array", "items": STRING, "maxItems": 100},
                    "additionalConfig": STRING,
                    "advancedConfig": STRING,
                    "envConfig": STRING,
                    "erlangInetConfig": STRING,
                }
            ),
            "override": _strict({"statefulSet": ANY_OBJECT, "service": ANY_OBJECT}),
        }
    ),
)


def rabbitmq_documents() -> list[dict[str, Any]]:
    return [d for d in render(K8S_BASE) if d["apiVersion"].startswith("rabbitmq.com/")]


def test_the_base_renders_the_cluster_and_the_topology_and_each_has_only_known_fields():
    documents = rabbitmq_documents()
    kinds = sorted(document["kind"] for document in documents)
    assert kinds == sorted(["RabbitmqCluster", *["Policy", "Queue", "Exchange", "Binding"] * 2])
    for document in documents:
        schema = CLUSTER_SCHEMA if document["kind"] == "RabbitmqCluster" else None
        jsonschema.validate(document, schema or TOPOLOGY_SCHEMAS[document["kind"]])
        if document["kind"] != "RabbitmqCluster":
            assert document["spec"]["rabbitmqClusterReference"] == {"name": "rathaus-rabbitmq"}


@pytest.mark.parametrize(
    "broken",
    [
        lambda d: d["spec"].update(apply_to="queues"),  # a misspelt field
        lambda d: d["spec"].update(applyTo="queue"),  # a value the operator refuses
        lambda d: d["spec"].update(priority="10"),  # a string for a number
    ],
)
def test_a_misspelt_or_mistyped_policy_fails(broken):
    policy = next(d for d in rabbitmq_documents() if d["kind"] == "Policy")
    broken(policy)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(policy, TOPOLOGY_SCHEMAS["Policy"])


def test_the_cluster_has_three_nodes_apart_with_storage_and_the_plugins_it_needs():
    [cluster] = [d for d in rabbitmq_documents() if d["kind"] == "RabbitmqCluster"]
    spec = cluster["spec"]
    name = cluster["metadata"]["name"]

    # an odd number of nodes of three or more: quorum queues survive losing one
    assert spec["replicas"] == 3
    assert {"rabbitmq_management", "rabbitmq_prometheus"} <= set(
        spec["rabbitmq"]["additionalPlugins"]
    )
    assert "cluster_partition_handling = pause_minority" in spec["rabbitmq"]["additionalConfig"]
    assert spec["persistence"]["storage"].endswith("Gi")
    assert spec["resources"]["requests"]["memory"] == spec["resources"]["limits"]["memory"]

    # never two nodes on one Kubernetes node, and spread over the zones
    [anti] = spec["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert anti["topologyKey"] == "kubernetes.io/hostname"
    assert anti["labelSelector"]["matchLabels"] == {"app.kubernetes.io/name": name}
    pod_spec = spec["override"]["statefulSet"]["spec"]["template"]["spec"]
    [spread] = pod_spec["topologySpreadConstraints"]
    assert spread["topologyKey"] == "topology.kubernetes.io/zone"

    # the Kubernetes parts of the spec are what a pod takes (checked by the API's schema)
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "containers": [
                {"name": "rabbitmq", "image": spec["image"], "resources": spec["resources"]}
            ],
            "affinity": spec["affinity"],
            "topologySpreadConstraints": pod_spec["topologySpreadConstraints"],
            "terminationGracePeriodSeconds": spec["terminationGracePeriodSeconds"],
        },
    }
    kubernetes_validate.validate(pod, KUBERNETES_VERSION, strict=True)

    # a drain takes one broker node at a time
    [budget] = [
        d
        for d in render(K8S_BASE)
        if d["kind"] == "PodDisruptionBudget" and d["metadata"]["name"] == name
    ]
    assert budget["spec"]["maxUnavailable"] == 1
    assert budget["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}
