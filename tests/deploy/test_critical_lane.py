"""components/critical-lane on the prod overlay: the critical lane's scheduler and
dispatcher in Deployments of their own (LANES=critical), the usual ones without it
(LANES=bulk), each scaled on exactly the consumer groups its code then runs."""

import shutil
from typing import Any

import kubernetes_validate
import pytest
import yaml

from herald.devstack.services import BY_NAME
from herald.runtime.topics import DEFAULT_LAYOUT
from tests.deploy.conftest import DEPLOY, of_kind, render
from tests.deploy.test_manifests import CUSTOM_KINDS, K8S_VERSIONS, container, env_of
from tests.support.apps import build

PARTITIONS = {str(s.topic): s.partitions for s in DEFAULT_LAYOUT}
LANES = {
    "herald-scheduler": ("scheduler", "bulk"),
    "herald-scheduler-critical": ("scheduler", "critical"),
    "herald-dispatcher": ("dispatcher", "bulk"),
    "herald-dispatcher-critical": ("dispatcher", "critical"),
}


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The prod overlay with the component listed, as an operator would add it (its
    images, namespace and replicas then apply to the component's objects too)."""
    tree = tmp_path_factory.mktemp("critical-lane") / "deploy"
    shutil.copytree(DEPLOY, tree)
    prod = tree / "overlays" / "prod" / "kustomization.yaml"
    kustomization = yaml.safe_load(prod.read_text(encoding="utf-8"))
    kustomization["components"].append("../../components/critical-lane")
    prod.write_text(yaml.safe_dump(kustomization), encoding="utf-8")
    return render(prod.parent)


def test_the_one_lane_deployments_validate_and_run_hardened(docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        if doc["kind"] not in CUSTOM_KINDS:
            for version in K8S_VERSIONS:
                kubernetes_validate.validate(doc, version, strict=True)
    deployments = of_kind(docs, "Deployment")
    for name in ("herald-scheduler-critical", "herald-dispatcher-critical"):
        d, sibling = deployments[name], deployments[name.removesuffix("-critical")]
        pod, twin = d["spec"]["template"]["spec"], sibling["spec"]["template"]["spec"]
        assert pod["securityContext"] == twin["securityContext"]
        assert container(d)["securityContext"] == container(sibling)["securityContext"]
        assert container(d)["image"] == container(sibling)["image"]
        assert container(d)["readinessProbe"] == container(sibling)["readinessProbe"]
        assert d["spec"]["replicas"] >= 2, "the critical lane survives a pod's loss"


def test_each_deployment_serves_its_lane_with_real_settings(docs: list[dict[str, Any]]) -> None:
    deployments = of_kind(docs, "Deployment")
    for name, (service, lanes) in LANES.items():
        env = env_of(deployments[name], docs)
        assert env["LANES"] == lanes, name
        fields = {f.upper() for f in BY_NAME[service].settings_class().model_fields}
        assert set(env) - fields <= {"OTEL_SERVICE_NAME"}, name


def test_the_critical_processes_connect_as_their_services_kafka_user(
    docs: list[dict[str, Any]],
) -> None:
    deployments = of_kind(docs, "Deployment")
    for name in ("herald-scheduler-critical", "herald-dispatcher-critical"):
        kafka = {k: v for k, v in env_of(deployments[name], docs).items() if k.startswith("KAFKA")}
        sibling = env_of(deployments[name.removesuffix("-critical")], docs)
        assert kafka == {k: v for k, v in sibling.items() if k.startswith("KAFKA")}
        assert kafka["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"


def test_keda_scales_each_deployment_on_exactly_the_groups_its_lanes_run(
    docs: list[dict[str, Any]],
) -> None:
    scaled = of_kind(docs, "ScaledObject")
    for name, (service, lanes) in LANES.items():
        built = build(BY_NAME[service], lanes=lanes)
        groups = sorted((c.group, str(c.topic)) for c in built.subscriptions)
        spec = scaled[name]["spec"]
        assert spec["scaleTargetRef"]["name"] == name
        triggers = sorted(
            (t["metadata"]["consumerGroup"], t["metadata"]["topic"]) for t in spec["triggers"]
        )
        assert triggers == groups, name
        assert spec["maxReplicaCount"] <= max(PARTITIONS[t] for _g, t in groups), name


def test_every_dispatcher_pod_together_stays_within_each_providers_rate(
    docs: list[dict[str, Any]],
) -> None:
    """Each pod takes rate_per_s / REPLICAS: at the most pods of both, the sum is <= 1."""
    deployments, scaled = of_kind(docs, "Deployment"), of_kind(docs, "ScaledObject")
    share = sum(
        scaled[name]["spec"]["maxReplicaCount"] / int(env_of(deployments[name], docs)["REPLICAS"])
        for name in ("herald-dispatcher", "herald-dispatcher-critical")
    )
    assert share <= 1


def test_nothing_routes_api_traffic_to_the_critical_processes(docs: list[dict[str, Any]]) -> None:
    for name in ("herald-scheduler-critical", "herald-dispatcher-critical"):
        for svc in of_kind(docs, "Service").values():
            if svc["spec"]["selector"] == {"app.kubernetes.io/name": name}:
                assert [p["name"] for p in svc["spec"]["ports"]] == ["admin"]
        assert of_kind(docs, "PodDisruptionBudget")[name]
        assert of_kind(docs, "ServiceMonitor")[name]["spec"]["endpoints"][0]["port"] == "admin"
    policies = of_kind(docs, "NetworkPolicy")
    egress = policies["herald-dispatcher-critical-providers-egress"]["spec"]["egress"]
    assert egress == policies["herald-dispatcher-providers-egress"]["spec"]["egress"]


def test_the_critical_pods_get_cpu_of_their_own(docs: list[dict[str, Any]]) -> None:
    """What the devstack's HERALD_BULK_NICE stands in for: each critical container is in
    the Guaranteed QoS class (requests equal limits, for CPU and memory) with whole CPUs
    (the static CPU manager's condition for cores of its own), and its pods carry a
    PriorityClass above every other Herald pod's."""
    deployments, classes = of_kind(docs, "Deployment"), of_kind(docs, "PriorityClass")
    for name in ("herald-scheduler-critical", "herald-dispatcher-critical"):
        resources = container(deployments[name])["resources"]
        assert resources["requests"] == resources["limits"], name
        assert set(resources["limits"]) >= {"cpu", "memory"}, name
        assert float(str(resources["limits"]["cpu"])).is_integer(), name
        pod = deployments[name]["spec"]["template"]["spec"]
        own = classes[pod["priorityClassName"]]
        assert not own.get("globalDefault"), "only the critical lane takes it"
        others = [
            classes[d["spec"]["template"]["spec"]["priorityClassName"]]["value"]
            for n, d in deployments.items()
            if not n.endswith("-critical") and "priorityClassName" in d["spec"]["template"]["spec"]
        ]
        assert all(own["value"] > v for v in others), name
