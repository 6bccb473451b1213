"""deploy/k8s: a Deployment per service, two pods or more, KEDA scaling the workers on their own
queues, probes, disruption budgets, spread, the Ingresses."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from nameko.rpc import RPC_QUEUE_TEMPLATE

from services import ALL_SERVICES

from .files import (
    K8S_BASE,
    K8S_OVERLAYS,
    PRODUCTION_CONFIG,
    dockerfile_stages,
    environment_names_in,
    k8s_base_documents,
    k8s_objects,
    load_nameko_config,
    load_yaml,
    load_yaml_documents,
    load_yaml_text_documents,
    render,
)

WORKERS = [name for name in ALL_SERVICES if name != "gateway"]
KUSTOMIZATIONS = [K8S_BASE, *sorted(path for path in K8S_OVERLAYS.iterdir() if path.is_dir())]


def handler_queue(source: str, event_type: str, service: str, method: str) -> str:
    """The queue nameko's event_handler declares in the default SERVICE_POOL mode."""
    return f"evt-{source}-{event_type}--{service}.{method}"


def _container(deployment: dict) -> dict:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS, ids=lambda path: path.name)
def test_the_manifests_parse_and_kustomize_renders_them(kustomization):
    """By kubectl's kustomize where kubectl is installed; always by parsing each file."""
    declared = load_yaml(kustomization / "kustomization.yaml")
    for resource in declared.get("resources", []):
        path = (kustomization / resource).resolve()
        if path.is_dir():
            assert (path / "kustomization.yaml").is_file(), resource
        else:
            assert all("kind" in document for document in load_yaml_documents(path))

    kubectl = shutil.which("kubectl")
    if kubectl:
        result = subprocess.run(
            [kubectl, "kustomize", str(kustomization)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        kinds = {document["kind"] for document in load_yaml_text_documents(result.stdout)}
        assert {"Deployment", "ScaledObject", "Service", "Ingress", "ConfigMap"} <= kinds

    rendered = render(kustomization)
    kinds = {document["kind"] for document in rendered}
    assert {"Deployment", "ScaledObject", "Service", "Ingress", "ConfigMap", "Job"} <= kinds
    assert {"PodDisruptionBudget", "Cluster", "Pooler"} <= kinds


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_each_service_has_a_deployment_running_it_from_the_one_image(name):
    deployment = k8s_objects("Deployment").get(name)

    assert deployment is not None, f"no Deployment for {name}"
    container = _container(deployment)
    assert container["image"] == "rathaus-online"
    assert container["args"][:2] == ["--service", name]
    sources = {next(iter(source.values()))["name"] for source in container["envFrom"]}
    assert {"rathaus-config", "rathaus-shared"} <= sources
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_each_pod_runs_as_the_non_root_user_of_the_image(name):
    final_stage = dockerfile_stages()[-1]
    image_user = [arguments for instruction, arguments in final_stage if instruction == "USER"]
    pod = k8s_objects("Deployment")[name]["spec"]["template"]["spec"]

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert str(pod["securityContext"]["runAsUser"]) == image_user[-1].split(":")[0]
    assert _container(k8s_objects("Deployment")[name])["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }


@pytest.mark.parametrize("name", WORKERS)
def test_a_worker_leaves_its_replica_count_to_its_scaled_object(name):
    assert "replicas" not in k8s_objects("Deployment")[name]["spec"]


@pytest.mark.parametrize("name", WORKERS)
def test_each_worker_is_scaled_by_keda_on_the_messages_waiting_in_its_own_queues(name):
    scaled = k8s_objects("ScaledObject").get(name)

    assert scaled is not None, f"no ScaledObject for {name}"
    assert scaled["spec"]["scaleTargetRef"]["name"] == name
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "rabbitmq"
    assert trigger["authenticationRef"]["name"] in k8s_objects("TriggerAuthentication")
    metadata = trigger["metadata"]
    assert metadata["protocol"] == "http"  # useRegex works only through the management API
    assert metadata["mode"] == "QueueLength"
    assert metadata["useRegex"] == "true"
    assert metadata["operation"] == "sum"
    assert all(isinstance(value, str) for value in metadata.values())

    counted = re.compile(metadata["queueName"])
    own = [
        handler_queue("applications", "application_submitted", name, "on_submitted"),
        handler_queue("appointments", "slot_booked", name, "handle"),
        RPC_QUEUE_TEMPLATE.format(name),
    ]
    others = [handler_queue(name, "x_happened", other, "handle") for other in ALL_SERVICES]
    others += [handler_queue(name, "x_happened", other, f"{name}_seen") for other in ALL_SERVICES]
    others = [queue for queue in others if f"--{name}." not in queue]
    others += [RPC_QUEUE_TEMPLATE.format(other) for other in ALL_SERVICES if other != name]
    others += [f"{RPC_QUEUE_TEMPLATE.format(name)}x", f"rpc.reply-{name}-1f0c"]
    others += ["rathaus.dead_letters", "rathaus.delay.1000", "rathaus.unroutable"]
    assert [queue for queue in own if not counted.search(queue)] == []
    assert [queue for queue in others if counted.search(queue)] == []


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_each_pod_offers_its_metrics_port_to_prometheus(name):
    deployment = k8s_objects("Deployment")[name]
    ports = {port["name"]: port["containerPort"] for port in _container(deployment)["ports"]}
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    production = load_nameko_config(PRODUCTION_CONFIG)

    assert ports["metrics"] == 9464
    assert production["METRICS_ADDRESS"] == f"0.0.0.0:{ports['metrics']}"
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(ports["metrics"])


def test_the_gateway_is_served_through_a_service_and_an_ingress():
    deployment = k8s_objects("Deployment")["gateway"]
    container = _container(deployment)
    service = k8s_objects("Service")["gateway"]
    ingress = k8s_objects("Ingress")["gateway"]

    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"http": 8000, "metrics": 9464}
    assert service["spec"]["selector"].items() <= (
        deployment["spec"]["template"]["metadata"]["labels"].items()
    )
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "gateway", "port": {"name": "http"}}
    assert "gateway" not in k8s_objects("ScaledObject")


def test_the_gateway_is_probed_on_its_own_health_not_on_the_platform_health():
    """GET /health is 503 while any one service is down; as a readiness probe it would
    take every gateway out of the Service for one worker's outage."""
    container = _container(k8s_objects("Deployment")["gateway"])

    assert container["startupProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "metrics"}


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS, ids=lambda path: path.name)
def test_the_config_map_sets_only_settings_the_production_config_reads(kustomization):
    read = environment_names_in(PRODUCTION_CONFIG)
    for generator in load_yaml(kustomization / "kustomization.yaml").get("configMapGenerator", []):
        names = {literal.split("=", 1)[0] for literal in generator.get("literals", [])}
        assert names <= read, f"{kustomization.name}: not read by production.yaml: {names - read}"


def test_every_manifest_in_the_base_is_listed_in_its_kustomization():
    listed = set(load_yaml(K8S_BASE / "kustomization.yaml")["resources"])
    on_disk = {path.name for path in K8S_BASE.glob("*.yaml")} - {"kustomization.yaml"}
    # a folder of its own kustomization (the broker's: rabbitmq/)
    on_disk |= {path.parent.name for path in K8S_BASE.glob("*/kustomization.yaml")}

    assert on_disk == listed
    assert all(
        document["metadata"]["labels"]["app.kubernetes.io/name"] == "rathaus-online"
        for document in k8s_base_documents()
    )


def _pod_labels(name: str) -> dict:
    return k8s_objects("Deployment")[name]["spec"]["template"]["metadata"]["labels"]


def _ports(rule: dict) -> list[dict]:
    return [{"port": port["port"]} for port in rule.get("ports", [])]


def test_the_documents_data_plane_is_a_cluster_internal_service_on_port_8001():
    service = k8s_objects("Service").get("documents")
    container = _container(k8s_objects("Deployment")["documents"])
    production = load_nameko_config(PRODUCTION_CONFIG)

    assert service is not None, "no Service for the documents data plane"
    assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert service["spec"]["selector"].items() <= _pod_labels("documents").items()
    (port,) = service["spec"]["ports"]
    container_ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert port["port"] == 8001
    assert container_ports[port["targetPort"]] == 8001
    assert production["DOCUMENTS"]["data_address"] == "0.0.0.0:8001"
    # the gateway's default reaches it by the Service's name, in the same namespace
    assert production["GATEWAY"]["documents_url"] == f"http://documents:{port['port']}"


def test_no_ingress_leads_to_the_documents_data_plane():
    for ingress in k8s_objects("Ingress").values():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                assert path["backend"]["service"]["name"] != "documents"


def test_only_the_gateway_pods_may_open_the_documents_data_plane():
    policy = k8s_objects("NetworkPolicy")["documents"]["spec"]

    assert policy["podSelector"]["matchLabels"].items() <= _pod_labels("documents").items()
    assert policy["policyTypes"] == ["Ingress"]
    to_data = [rule for rule in policy["ingress"] if {"port": "data"} in _ports(rule)]
    (rule,) = to_data
    (source,) = rule["from"]
    assert set(source) == {"podSelector"}  # this namespace's pods, no other namespace
    assert source["podSelector"]["matchLabels"].items() <= _pod_labels("gateway").items()
    assert not source["podSelector"]["matchLabels"].items() <= _pod_labels("documents").items()
    # the metrics port stays open for Prometheus, as on every other pod
    assert any({"port": "metrics"} in _ports(rule) for rule in policy["ingress"])


def _secret_refs(name: str) -> dict[str, dict]:
    environment = _container(k8s_objects("Deployment")[name]).get("env", [])
    return {
        variable["name"]: variable["valueFrom"]["secretKeyRef"]
        for variable in environment
        if "secretKeyRef" in variable.get("valueFrom", {})
    }


def _configured_literals() -> list[str]:
    return [
        literal
        for kustomization in KUSTOMIZATIONS
        for generator in load_yaml(kustomization / "kustomization.yaml").get(
            "configMapGenerator", []
        )
        for literal in generator.get("literals", [])
    ]


def test_the_identity_signing_key_comes_from_a_secret_only_the_gateways_pods_read():
    signing_key = _secret_refs("gateway")["IDENTITY_SIGNING_KEY"]

    assert signing_key["name"] == "rathaus-gateway"
    assert not signing_key.get("optional", False)
    for name in ALL_SERVICES:
        if name != "gateway":
            assert signing_key["name"] not in {ref["name"] for ref in _secret_refs(name).values()}
    assert not [literal for literal in _configured_literals() if "IDENTITY_SIGNING" in literal]


def test_the_documents_master_key_comes_from_a_secret_only_the_documents_pods_read():
    secret_refs = _secret_refs
    master_key = secret_refs("documents")["DOCUMENTS_MASTER_KEY"]
    assert not master_key.get("optional", False)
    for name in ALL_SERVICES:
        if name != "documents":
            assert master_key["name"] not in {ref["name"] for ref in secret_refs(name).values()}
    assert not [
        literal for literal in _configured_literals() if literal.startswith("DOCUMENTS_MASTER_KEY")
    ]


def test_the_documents_replicas_share_one_bucket_as_their_root_filesystem_is_read_only():
    (generator,) = load_yaml(K8S_BASE / "kustomization.yaml")["configMapGenerator"]
    settings = dict(literal.split("=", 1) for literal in generator["literals"])

    assert settings["DOCUMENTS_STORAGE"] == "s3"
    assert settings["DOCUMENTS_S3_BUCKET"]


# availability ----------------------------------------------------------------------------


def _pods_selected(selector: dict, name: str) -> bool:
    return selector["matchLabels"].items() <= _pod_labels(name).items()


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS, ids=lambda path: path.name)
def test_every_service_answers_with_two_pods_at_least(kustomization):
    """Every service answers RPCs (the gateway HTTP): one pod lost to a node, a rollout or a
    crash leaves another answering while the first comes back."""
    rendered = render(kustomization)
    deployments = {d["metadata"]["name"]: d for d in rendered if d["kind"] == "Deployment"}
    scaled = {
        d["spec"]["scaleTargetRef"]["name"]: d for d in rendered if d["kind"] == "ScaledObject"
    }

    for name in ALL_SERVICES:
        if name in scaled:
            assert "replicas" not in deployments[name]["spec"], name
            assert scaled[name]["spec"]["minReplicaCount"] >= 2, name
            assert (
                scaled[name]["spec"]["maxReplicaCount"] >= scaled[name]["spec"]["minReplicaCount"]
            )
        else:
            assert deployments[name]["spec"]["replicas"] >= 2, name


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_a_node_drain_takes_one_pod_of_a_service_at_a_time(name):
    budget = k8s_objects("PodDisruptionBudget").get(name)

    assert budget is not None, f"no PodDisruptionBudget for {name}"
    assert budget["spec"]["maxUnavailable"] == 1
    assert "minAvailable" not in budget["spec"]
    assert _pods_selected(budget["spec"]["selector"], name)
    # not-ready pods (a broker outage) must not block every drain
    assert budget["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_the_pods_of_a_service_spread_over_zones_and_nodes(name):
    pod = k8s_objects("Deployment")[name]["spec"]["template"]["spec"]
    constraints = {c["topologyKey"]: c for c in pod["topologySpreadConstraints"]}

    assert set(constraints) == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
    for constraint in constraints.values():
        assert constraint["maxSkew"] == 1
        assert _pods_selected(constraint["labelSelector"], name)
        assert constraint["matchLabelKeys"] == ["pod-template-hash"]
    # a cluster short of room in one zone still schedules; never two where a node is free
    assert constraints["topology.kubernetes.io/zone"]["whenUnsatisfiable"] == "ScheduleAnyway"
    assert constraints["kubernetes.io/hostname"]["whenUnsatisfiable"] == "DoNotSchedule"


@pytest.mark.parametrize("name", WORKERS)
def test_a_worker_is_started_when_its_consumers_run_and_alive_while_its_loop_answers(name):
    container = _container(k8s_objects("Deployment")[name])
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}

    assert container["startupProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "metrics"}
    assert ports["metrics"] == 9464
    # a slow first start (a cold node pulling the image, a busy database) is not a crash
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 120
    # the readiness probe still asks the broker (tests/deployment/test_rabbitmq_policies.py)
    assert "exec" in container["readinessProbe"]


def test_a_stopping_gateway_is_taken_out_of_the_load_balancer_before_it_stops():
    settings = load_nameko_config(PRODUCTION_CONFIG)
    pod = k8s_objects("Deployment")["gateway"]["spec"]["template"]["spec"]
    container = _container(k8s_objects("Deployment")["gateway"])

    command = container["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    pre_stop = int(command[1])
    # the endpoints and ingress controllers catch up within seconds; the readiness probe
    # (every 5 s) would take longer than the hook to notice on its own
    assert pre_stop >= 10
    # then the live streams close and requests in flight finish (an RPC within its timeout)
    heartbeat = int(settings["GATEWAY"]["stream_heartbeat"])
    rpc_timeout = int(settings["RPC_TIMEOUT"])
    assert pod["terminationGracePeriodSeconds"] > pre_stop + heartbeat + rpc_timeout


# the Ingresses -----------------------------------------------------------------------------


def test_the_ingresses_name_their_class_and_end_tls_for_every_host_they_serve():
    for ingress in k8s_objects("Ingress").values():
        spec = ingress["spec"]
        assert spec["ingressClassName"] == "nginx"
        hosts = {rule["host"] for rule in spec["rules"]}
        (tls,) = spec["tls"]
        assert set(tls["hosts"]) == hosts
        assert tls["secretName"] == "rathaus-tls"
        assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/ssl-redirect"] == (
            "true"
        )


def _size_in_bytes(size: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    return int(size[:-1]) * units[size[-1].lower()] if size[-1].isalpha() else int(size)


def test_the_ingress_takes_an_upload_part_of_the_configured_size_streamed_through():
    from services.documents.settings import DocumentSettings

    annotations = k8s_objects("Ingress")["gateway"]["metadata"]["annotations"]
    production = load_nameko_config(PRODUCTION_CONFIG)
    part_size = int(production["DOCUMENTS"]["part_size"])

    assert part_size == DocumentSettings().part_size
    assert _size_in_bytes(annotations["nginx.ingress.kubernetes.io/proxy-body-size"]) >= part_size
    assert annotations["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "off"
    stream_timeout = int(production["GATEWAY"]["stream_timeout"])
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) > stream_timeout
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) > stream_timeout


def test_the_live_streams_pass_the_ingress_unbuffered_and_outlive_many_heartbeats():
    ingresses = k8s_objects("Ingress")
    live = ingresses["gateway-live"]
    annotations = live["metadata"]["annotations"]
    heartbeat = int(load_nameko_config(PRODUCTION_CONFIG)["GATEWAY"]["stream_heartbeat"])
    paths = {path["path"]: path for path in live["spec"]["rules"][0]["http"]["paths"]}

    assert annotations["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 60 * heartbeat
    # the clerks' stream and the desks' (/staff/desk/<location>/events)
    assert paths["/api/v1/notifications/stream"]["pathType"] == "Exact"
    assert paths["/staff/desk"]["pathType"] == "Prefix"
    assert live["spec"]["rules"][0]["host"] == ingresses["gateway"]["spec"]["rules"][0]["host"]
    for path in paths.values():
        assert path["backend"]["service"] == {"name": "gateway", "port": {"name": "http"}}


def test_the_live_stream_routes_the_ingress_names_are_the_gateways():
    from services.gateway.notifications import PREFIX
    from services.portal.staff.desk import DESK

    live = k8s_objects("Ingress")["gateway-live"]
    paths = {path["path"] for path in live["spec"]["rules"][0]["http"]["paths"]}

    assert paths == {f"{PREFIX}/stream", DESK}
