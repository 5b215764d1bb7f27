"""Alert rules, their unit tests and runbooks, the dashboard, and the metrics they read."""

import json
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from tests.deploy.conftest import DEPLOY, ROOT, Built
from tests.deploy.promql import metric_names, selectors

OBS = DEPLOY / "observability"
RULES = OBS / "prometheus/herald-rules.yaml"
RULE_TESTS = sorted((OBS / "tests").glob("*.yaml"))
DASHBOARD = OBS / "grafana/herald.json"
RUNBOOKS = ROOT / "docs/runbooks.md"
# Series the services do not export themselves, and who does.
EXTERNAL = {
    "up": "Prometheus, per scrape target",
    "kafka_consumergroup_lag": "kafka_exporter (danielqsj/kafka_exporter)",
    "container_cpu_usage_seconds_total": "cAdvisor in the kubelet",
    "container_memory_working_set_bytes": "cAdvisor in the kubelet",
}
# Labels Prometheus adds when it scrapes a ServiceMonitor target.
TARGET_LABELS = {"job", "instance", "namespace", "pod", "service", "container", "endpoint"}
SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
    "info": ("_info",),
}


def alerts() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.skip("promtool is not installed (Debian: apt-get install prometheus)")
    return found


def run(*args: str) -> None:
    out = subprocess.run(args, capture_output=True, text=True, check=False, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_rules_pass_promtool_check() -> None:
    run(promtool(), "check", "rules", str(RULES))


def test_rules_pass_their_promtool_unit_tests() -> None:
    assert RULE_TESTS
    run(promtool(), "test", "rules", *map(str, RULE_TESTS))


def test_every_alert_has_a_firing_unit_test() -> None:
    fired = set()
    for path in RULE_TESTS:
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]:
            for case in group.get("alert_rule_test", []):
                if case.get("exp_alerts"):
                    fired.add(case["alertname"])
    assert {a["alert"] for a in alerts()} <= fired


def test_prometheus_rule_resource_carries_the_same_rules() -> None:
    resource = yaml.safe_load((OBS / "prometheus-rules.yaml").read_text(encoding="utf-8"))
    plain = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    assert resource["kind"] == "PrometheusRule"
    assert resource["spec"] == plain


def anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes."""
    heads = re.findall(r"^#{1,6} (.+)$", markdown, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in heads}


def test_every_alert_links_its_runbook_section() -> None:
    found = anchors(RUNBOOKS.read_text(encoding="utf-8"))
    for alert in alerts():
        url = alert["annotations"]["runbook_url"]
        path, _, anchor = url.partition("#")
        assert path.endswith("docs/runbooks.md"), url
        assert anchor in found, f"docs/runbooks.md has no section for {alert['alert']}"
        assert alert["labels"]["severity"] in {"critical", "warning", "info"}
        assert alert["annotations"]["summary"]


def exported(services: dict[str, Built]) -> dict[str, set[str]]:
    """Every series name the services expose -> its label names."""
    names: dict[str, set[str]] = {}
    for built in services.values():
        for collector in list(built.registry._collector_to_names):
            if not isinstance(collector, MetricWrapperBase):
                continue
            labels = set(collector._labelnames)
            kind, base = collector._type, collector._name
            for suffix in SUFFIXES[kind]:
                extra = {"le"} if suffix == "_bucket" else set()
                names.setdefault(base + suffix, set()).update(labels | extra)
    return names


def dashboard_queries() -> list[str]:
    board = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    queries = []

    def walk(panels: list[dict[str, Any]]) -> None:
        for panel in panels:
            walk(panel.get("panels", []))
            queries.extend(t["expr"] for t in panel.get("targets", []))

    walk(board["panels"])
    for var in board["templating"]["list"]:
        if var["type"] == "query":
            query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
            inner = re.fullmatch(r"label_values\((.*),\s*\w+\)", query)
            queries.append(inner[1] if inner else query)
    return queries


def test_dashboard_is_well_formed() -> None:
    board = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    assert board["uid"] and board["title"]
    titles = " ".join(p["title"].lower() for p in board["panels"])
    for needed in ("funnel", "lag", "provider", "dead letter", "latency", "saturation", "http"):
        assert needed in titles
    legends = {t["legendFormat"] for p in board["panels"] for t in p.get("targets", [])}
    for stage in ("requested", "approved", "scheduled", "sent", "delivered", "read", "clicked"):
        assert stage in legends, f"funnel stage {stage} missing"


@pytest.mark.parametrize("source", ["dashboard", "alerts"])
def test_queries_read_only_metrics_the_services_export(
    source: str, services: dict[str, Built]
) -> None:
    queries = dashboard_queries() if source == "dashboard" else [a["expr"] for a in alerts()]
    names = exported(services)
    problems = []
    for query in queries:
        for name in metric_names(query) - set(EXTERNAL):
            if name not in names:
                problems.append(f"{name} is not exported by any service: {query}")
        for name, labels in selectors(query):
            if name in names and not labels <= names[name] | TARGET_LABELS:
                problems.append(f"{name} has no label {labels - names[name]}: {query}")
    assert not problems, "\n".join(problems)


def test_every_service_exports_http_request_metrics_by_route_template(
    services: dict[str, Built],
) -> None:
    for name, built in services.items():
        names = exported({name: built})
        assert names.get("herald_http_requests_total") == {"method", "route", "status"}, name
        assert names.get("herald_http_request_duration_seconds_bucket") == {
            "method",
            "route",
            "le",
        }, name


def test_http_panels_and_alerts_read_the_shared_http_metrics() -> None:
    queries = dashboard_queries() + [a["expr"] for a in alerts()]
    used = {n for q in queries for n in metric_names(q)}
    assert {"herald_http_requests_total", "herald_http_request_duration_seconds_bucket"} <= used


def test_metric_reader_finds_names_and_labels() -> None:
    q = 'sum by (le) (rate(a_total{job=~"x", code!="5"}[5m])) / on(job) b + 0.5 * c'
    assert metric_names(q) == {"a_total", "b", "c"}
    assert list(selectors(q)) == [("a_total", {"job", "code"})]


def test_docs_name_every_external_metric_source() -> None:
    text = (ROOT / "docs/deploy.md").read_text(encoding="utf-8")
    assert "kafka_exporter" in text and "cAdvisor" in text
