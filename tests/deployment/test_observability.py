"""deploy/observability: the alert rules and the scrape config pass promtool, every alert has
a unit test that fires it, the dashboards are wired to a data source and a tenant, and every
metric they and the rules name is one the platform or RabbitMQ exports.

promtool comes from scripts/ensure-promtool (Debian's prometheus package, unpacked into
.tools/, never installed as a server).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

from services import ALL_SERVICES

from .files import K8S_BASE, REPO, load_yaml, load_yaml_documents

OBSERVABILITY = REPO / "deploy" / "observability"
RULES = OBSERVABILITY / "prometheus" / "rules.yml"
RULE_TESTS = OBSERVABILITY / "prometheus" / "rules.test.yml"
SCRAPE_CONFIG = OBSERVABILITY / "prometheus" / "prometheus.yml"
DASHBOARDS = sorted((OBSERVABILITY / "grafana").glob("*.json"))
METRIC_NAME = re.compile(r"\b(?:rathaus|rabbitmq)_[a-z0-9_]+\b")

# What the dashboards and rules read from RabbitMQ's rabbitmq_prometheus plugin, as its
# /metrics/per-object endpoint names them (one series per queue, labels vhost and queue).
# Checked below against the plugin of the local broker: its endpoint when the plugin is
# enabled, else the plugin's own code as RabbitMQ ships it.
RABBITMQ_METRICS = {
    "rabbitmq_queue_messages_ready",
    "rabbitmq_queue_consumers",
    "rabbitmq_queue_consumer_utilisation",
}
RABBITMQ_ENDPOINT = "http://127.0.0.1:15692/metrics/per-object"
RABBITMQ_PLUGINS = Path("/usr/lib/rabbitmq/lib")


@pytest.fixture(scope="module")
def promtool() -> str:
    result = subprocess.run(
        [str(REPO / "scripts" / "ensure-promtool")],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def run(*command: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def alerts() -> dict[str, dict[str, Any]]:
    return {
        rule["alert"]: rule
        for group in load_yaml(RULES)["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }


def test_the_alert_rules_pass_promtool(promtool):
    checked = run(promtool, "check", "rules", str(RULES))

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(alerts())} rules found" in checked.stdout


def test_the_alerts_fire_as_their_unit_tests_say(promtool):
    tested = run(promtool, "test", "rules", RULE_TESTS.name, cwd=RULE_TESTS.parent)

    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_every_alert_has_a_unit_test_in_which_it_fires():
    fired = {
        case["alertname"]
        for test in load_yaml(RULE_TESTS)["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }

    assert fired == set(alerts())


def test_every_alert_says_how_bad_and_what_to_do():
    for name, rule in alerts().items():
        assert rule["labels"]["severity"] in {"info", "warning", "critical"}, name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name


def test_the_example_scrape_config_passes_promtool(promtool):
    checked = run(promtool, "check", "config", str(SCRAPE_CONFIG))

    assert checked.returncode == 0, checked.stdout + checked.stderr
    config = load_yaml(SCRAPE_CONFIG)
    assert config["rule_files"] == [RULES.name]
    rabbitmq = next(job for job in config["scrape_configs"] if job["job_name"] == "rabbitmq")
    assert rabbitmq["metrics_path"] == "/metrics/per-object"
    rathaus = next(job for job in config["scrape_configs"] if job["job_name"] == "rathaus")
    (names,) = (discovery["names"] for discovery in rathaus["dns_sd_configs"])
    assert set(names) == set(ALL_SERVICES)


def operator_objects() -> dict[str, dict[str, Any]]:
    return {
        document["kind"]: document
        for document in load_yaml_documents(K8S_BASE / "observability.yaml")
        if document["apiVersion"] == "monitoring.coreos.com/v1"
    }


def test_the_prometheus_rule_manifest_carries_the_rules_and_passes_promtool(promtool, tmp_path):
    groups = operator_objects()["PrometheusRule"]["spec"]["groups"]
    extracted = tmp_path / "from-manifest.yml"
    extracted.write_text(yaml.safe_dump({"groups": groups}))

    assert groups == load_yaml(RULES)["groups"]
    checked = run(promtool, "check", "rules", str(extracted))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "observability.yaml" in load_yaml(K8S_BASE / "kustomization.yaml")["resources"]


def test_the_operator_objects_hold_no_field_their_kinds_do_not_know():
    """What the CRDs would refuse, as kubectl's strict field validation does: the rules
    themselves are checked by promtool above, which refuses an unknown field in a rule."""
    objects = operator_objects()

    assert set(objects) == {"PodMonitor", "PrometheusRule"}
    for document in objects.values():
        assert set(document) == {"apiVersion", "kind", "metadata", "spec"}
        assert set(document["metadata"]) == {"name", "labels"}
    assert set(objects["PrometheusRule"]["spec"]) == {"groups"}
    assert set(objects["PodMonitor"]["spec"]) == {"selector", "podMetricsEndpoints"}


def test_the_pod_monitor_scrapes_the_metrics_port_of_the_rathaus_pods():
    spec = operator_objects()["PodMonitor"]["spec"]
    deployment = load_yaml_documents(K8S_BASE / "gateway.yaml")[0]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]

    assert spec["selector"]["matchLabels"].items() <= pod_labels.items()
    assert spec["podMetricsEndpoints"] == [
        {"port": "metrics", "path": "/metrics", "interval": "15s"}
    ]
    assert {"name": "metrics", "containerPort": 9464} in [
        {key: port[key] for key in ("name", "containerPort")} for port in container["ports"]
    ]


def dashboard(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])


def test_there_is_a_platform_and_a_business_dashboard():
    titles = {dashboard(path)["uid"]: dashboard(path)["title"] for path in DASHBOARDS}

    assert set(titles) == {"rathaus-platform", "rathaus-business"}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.name)
def test_a_dashboard_asks_for_its_data_source_and_tenant_and_every_query_uses_them(path):
    board = dashboard(path)
    variables = {variable["name"]: variable for variable in board["templating"]["list"]}

    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert variables["tenant"]["type"] == "query"
    assert "tenant" in variables["tenant"]["definition"]
    queried = [panel for panel in panels(board) if panel["type"] != "row"]
    assert queried
    for panel in queried:
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"] and all(target["expr"] for target in panel["targets"])
    if board["uid"] == "rathaus-business":  # every figure is the chosen tenants'
        for panel in queried:
            for target in panel["targets"]:
                assert 'tenant=~"$tenant"' in target["expr"], panel["title"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.name)
def test_panels_do_not_overlap(path):
    taken: set[tuple[int, int]] = set()
    for panel in panels(dashboard(path)):
        grid = panel["gridPos"]
        cells = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        assert not cells & taken, panel["title"]
        taken |= cells


def names_used() -> dict[str, set[str]]:
    """Every metric name a query of the dashboards or an alert rule reads, by where."""
    used: dict[str, set[str]] = {}
    texts = [(RULES.name, "\n".join(rule["expr"] for rule in alerts().values()))]
    for path in DASHBOARDS:
        board = dashboard(path)
        queries = [target["expr"] for panel in panels(board) for target in panel.get("targets", [])]
        queries += [variable.get("definition", "") for variable in board["templating"]["list"]]
        texts.append((path.name, "\n".join(queries)))
    for where, text in texts:
        for name in METRIC_NAME.findall(text):
            used.setdefault(name, set()).add(where)
    return used


def exported_names(exposition: str) -> set[str]:
    """The sample names an exposition offers, labelled series or not yet."""
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_count", "_sum", "_created"),
        "gauge": ("",),
    }
    names: set[str] = set()
    for family in text_string_to_metric_families(exposition):
        names.update(family.name + suffix for suffix in suffixes.get(family.type, ("",)))
        names.update(sample.name for sample in family.samples)
    return names


SERVE_METRICS = """
import importlib, sys, time
from services import ALL_SERVICES
from services.common.metrics import start_metrics_server

for name in ALL_SERVICES:
    importlib.import_module(f"services.{name}.service")
importlib.import_module("services.client")
start_metrics_server(sys.argv[1])
print("serving", flush=True)
time.sleep(120)
"""


@pytest.fixture(scope="module")
def platform_exposition() -> str:
    """A scrape of /metrics of a process that loaded every service, as the launcher does."""
    from tests.support.processes import free_port

    address = f"127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE_METRICS, address],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = []
        for line in process.stdout:  # its log lines, then "serving" (or its end)
            output.append(line)
            if line.strip() == "serving":
                break
        assert output and output[-1].strip() == "serving", "".join(output)
        answer = requests.get(f"http://{address}/metrics", timeout=10)
        assert answer.status_code == 200
        return answer.text
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.mark.server  # it starts a process serving /metrics
def test_every_rathaus_metric_the_dashboards_and_rules_read_is_exported(platform_exposition):
    exported = exported_names(platform_exposition)
    used = {name: where for name, where in names_used().items() if name.startswith("rathaus_")}

    missing = {name: sorted(where) for name, where in used.items() if name not in exported}

    assert len(used) >= 25  # the test reads the queries it means to
    assert not missing, f"read but not exported: {missing}"


def test_every_rabbitmq_metric_the_dashboards_and_rules_read_is_a_documented_one():
    used = {name for name in names_used() if name.startswith("rabbitmq_")}

    assert used == RABBITMQ_METRICS


def rabbitmq_plugin_names() -> set[str] | None:
    """The metric names the local broker's plugin exports: from its endpoint when the
    plugin is enabled, else from the plugin's code as RabbitMQ ships it; None without
    either."""
    try:
        answer = requests.get(RABBITMQ_ENDPOINT, timeout=3)
        if answer.status_code == 200:
            return exported_names(answer.text)
    except requests.RequestException:
        pass
    collectors = sorted(
        RABBITMQ_PLUGINS.glob(
            "rabbitmq_server-*/plugins/rabbitmq_prometheus-*/ebin/"
            "prometheus_rabbitmq_core_metrics_collector.beam"
        )
    )
    if not collectors:
        return None
    # the collector's metric names are atoms in the literal table of its BEAM file (the
    # tuples that describe each metric); the plugin prefixes them with rabbitmq_
    return {f"rabbitmq_{atom}" for atom in _literal_atoms(collectors[-1].read_bytes())}


def _literal_atoms(beam: bytes) -> set[str]:
    """The atoms of a BEAM file's literal table, in the external term format: the tag of a
    small UTF-8 atom (119), its length in one byte, its name."""
    atoms: set[str] = set()
    position = 12  # "FOR1", size, "BEAM"
    while position + 8 <= len(beam):
        chunk = beam[position : position + 4]
        size = int.from_bytes(beam[position + 4 : position + 8])
        if chunk == b"LitT":
            literals = zlib.decompress(beam[position + 12 : position + 8 + size])
            for found in re.finditer(rb"\x77(.)", literals, re.DOTALL):
                name = literals[found.end() : found.end() + found.group(1)[0]]
                if re.fullmatch(rb"[a-z][a-z0-9_]*", name):
                    atoms.add(name.decode())
        position += 8 + (size + 3) // 4 * 4
    return atoms


def test_the_documented_rabbitmq_metrics_are_what_the_local_brokers_plugin_exports():
    exported = rabbitmq_plugin_names()

    assert exported is not None, (
        "RabbitMQ's rabbitmq_prometheus plugin is neither enabled at 127.0.0.1:15692 nor "
        f"installed under {RABBITMQ_PLUGINS}: nothing to check the documented names against"
    )
    assert exported >= RABBITMQ_METRICS
