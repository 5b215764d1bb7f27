"""The rendered overlays: valid Kubernetes objects, hardened, and in step with the code."""

import base64
import os
import re
from pathlib import Path
from typing import Any

import kubernetes_validate

from tests.deploy.conftest import DEPLOY, ROOT, Built, of_kind, render

CUSTOM_KINDS = {"ScaledObject", "KafkaTopic", "KafkaUser", "ServiceMonitor", "PrometheusRule"}
K8S_VERSIONS = ("1.30", kubernetes_validate.utils.latest_version())
# read by things other than the services' settings classes
NOT_SETTINGS = re.compile(r"^OTEL_")
SECRETS_OPERATORS_CREATE = {
    "herald-database",
    "herald-signing",
    "herald-tracking-keys",
    "herald-delivery-id",
    "herald-record-keys",
}
# written by Strimzi's User Operator, one per KafkaUser (components/kafka-users)
SECRETS_STRIMZI_CREATES = {
    f"herald-{s}" for s in ("intake", "review", "scheduler", "dispatcher", "tracker")
}


def test_every_service_directory_is_deployed(services: dict[str, Built]) -> None:
    on_disk = {p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml")}
    assert on_disk == set(services)


def test_built_in_kinds_validate_against_the_kubernetes_schemas(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    _name, docs = overlay
    checked = 0
    for doc in docs:
        if doc["kind"] in CUSTOM_KINDS:
            continue
        for version in K8S_VERSIONS:
            kubernetes_validate.validate(doc, version, strict=True)
        checked += 1
    assert checked > 20


def test_custom_resources_have_their_required_fields(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    """kubernetes-validate has no CRD schemas: check what each operator needs."""
    _name, docs = overlay
    deployments = of_kind(docs, "Deployment")
    for so in of_kind(docs, "ScaledObject").values():
        assert so["apiVersion"] == "keda.sh/v1alpha1"
        assert so["spec"]["scaleTargetRef"]["name"] in deployments
        for trigger in so["spec"]["triggers"]:
            meta = trigger["metadata"]
            assert trigger["type"] == "kafka"
            assert {"consumerGroup", "topic", "lagThreshold"} <= set(meta)
            assert "bootstrapServers" in meta or "bootstrapServersFromEnv" in meta
            assert all(isinstance(v, str) for v in meta.values()), "KEDA metadata are strings"
    for user in of_kind(docs, "KafkaUser").values():
        assert user["apiVersion"] == "kafka.strimzi.io/v1beta2"
        assert "strimzi.io/cluster" in user["metadata"]["labels"]
        assert user["spec"]["authentication"]["type"] in {"scram-sha-512", "tls"}
        assert user["spec"]["authorization"]["type"] == "simple"
        for rule in user["spec"]["authorization"]["acls"]:
            assert rule["resource"]["type"] in {"topic", "group"}
            assert rule["operations"] and all(isinstance(o, str) for o in rule["operations"])
    for topic in of_kind(docs, "KafkaTopic").values():
        assert topic["apiVersion"] == "kafka.strimzi.io/v1beta2"
        assert "strimzi.io/cluster" in topic["metadata"]["labels"]
        assert isinstance(topic["spec"]["partitions"], int)
        assert all(isinstance(v, str) for v in topic["spec"]["config"].values())
    for sm in of_kind(docs, "ServiceMonitor").values():
        assert sm["apiVersion"] == "monitoring.coreos.com/v1"
        assert sm["spec"]["endpoints"][0]["port"] == "admin"
    for rule in of_kind(docs, "PrometheusRule").values():
        assert rule["apiVersion"] == "monitoring.coreos.com/v1"
        assert all(g["rules"] for g in rule["spec"]["groups"])


NS = "kubernetes.io/metadata.name"


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def test_every_service_runs_hardened_with_probes_and_limits(
    overlay: tuple[str, list[dict[str, Any]]], services: dict[str, Built]
) -> None:
    _name, docs = overlay
    deployments = of_kind(docs, "Deployment")
    accounts = of_kind(docs, "ServiceAccount")
    assert set(deployments) == {f"herald-{s}" for s in services}
    for name, d in deployments.items():
        pod = d["spec"]["template"]["spec"]
        c = container(d)
        assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert {"cpu", "memory"} <= set(c["resources"]["requests"])
        assert {"cpu", "memory"} <= set(c["resources"]["limits"])
        sc = c["securityContext"]
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"]["drop"] == ["ALL"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] > 0
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        # the broker and uvicorn wait up to 30 s for the batch in flight, after preStop
        assert pod["terminationGracePeriodSeconds"] >= 40
        assert c["lifecycle"]["preStop"]
        mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert "emptyDir" in volumes[mounts["/tmp"]], "a writable /tmp on a read-only root"
        assert pod["automountServiceAccountToken"] is False
        assert accounts[pod["serviceAccountName"]]["automountServiceAccountToken"] is False
        assert name.removeprefix("herald-") in c["image"]


def env_of(deployment: dict[str, Any], docs: list[dict[str, Any]]) -> dict[str, str]:
    """Every variable the container sees: literal, from ConfigMaps, or '<secret>'."""
    maps = of_kind(docs, "ConfigMap")
    c = container(deployment)
    env: dict[str, str] = {}
    for source in c.get("envFrom", []):
        env.update(maps[source["configMapRef"]["name"]]["data"])
    for var in c.get("env", []):
        env[var["name"]] = var.get("value", "<secret>")
    return env


def test_environment_sets_only_real_settings_and_every_required_one(
    overlay: tuple[str, list[dict[str, Any]]], services: dict[str, Built]
) -> None:
    _name, docs = overlay
    for name, built in services.items():
        env = env_of(of_kind(docs, "Deployment")[f"herald-{name}"], docs)
        fields = type(built.settings).model_fields
        known = {f.upper() for f in fields}
        unknown = {k for k in env if k not in known and not NOT_SETTINGS.match(k)}
        assert not unknown, f"{name}: not settings of {type(built.settings).__name__}: {unknown}"
        required = {f.upper() for f, info in fields.items() if info.is_required()}
        assert required <= set(env), f"{name}: required settings missing: {required - set(env)}"


def test_ports_probes_services_and_monitors_use_the_services_own_port(
    overlay: tuple[str, list[dict[str, Any]]], services: dict[str, Built]
) -> None:
    _name, docs = overlay
    svcs = of_kind(docs, "Service")
    for name, built in services.items():
        d = of_kind(docs, "Deployment")[f"herald-{name}"]
        port = built.settings.http_port
        assert int(env_of(d, docs).get("HTTP_PORT", port)) == port
        admin = int(env_of(d, docs)["HTTP_ADMIN_PORT"])
        assert admin != port
        assert container(d)["ports"] == [
            {"name": "http", "containerPort": port, "protocol": "TCP"},
            {"name": "admin", "containerPort": admin, "protocol": "TCP"},
        ]
        assert [p["targetPort"] for p in svcs[f"herald-{name}"]["spec"]["ports"]] == [
            "http",
            "admin",
        ]
        assert container(d)["readinessProbe"]["httpGet"]["port"] == "admin"
        assert container(d)["livenessProbe"]["httpGet"]["port"] == "http"


def test_secrets_are_referenced_never_shipped_outside_dev(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    assert not of_kind(rendered["prod"], "Secret"), "prod must not carry Secret values"
    refs = set()
    for d in rendered["prod"]:
        if d["kind"] in {"Deployment", "Job"}:
            for c in d["spec"]["template"]["spec"]["containers"]:
                for var in c.get("env", []):
                    if "secretKeyRef" in var.get("valueFrom", {}):
                        refs.add(var["valueFrom"]["secretKeyRef"]["name"])
    assert refs == SECRETS_OPERATORS_CREATE | SECRETS_STRIMZI_CREATES
    for secret in of_kind(rendered["dev"], "Secret").values():
        for value in secret.get("data", {}).values():
            text = base64.b64decode(value).decode()
            assert "FAKE-DEV-ONLY" in text or "sha256" in text, "dev secrets must look fake"


def test_disruption_budgets_network_policies_and_monitors_cover_every_service(
    overlay: tuple[str, list[dict[str, Any]]], services: dict[str, Built]
) -> None:
    name, docs = overlay
    pdbs = of_kind(docs, "PodDisruptionBudget")
    policies = of_kind(docs, "NetworkPolicy")
    deny = policies["herald-default-deny"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    for svc, built in services.items():
        app = f"herald-{svc}"
        assert pdbs[app]["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": app}
        ingress = policies[f"{app}-ingress"]["spec"]["ingress"]
        assert {p["port"] for rule in ingress for p in rule["ports"]} <= {built.settings.http_port}
        for rule in ingress:  # the public port is never opened to the monitoring namespace
            assert all(
                f.get("namespaceSelector", {}).get("matchLabels", {}).get(NS) != "monitoring"
                for f in rule["from"]
            )
    admin = policies["herald-admin-ingress"]["spec"]
    assert admin["podSelector"] == {"matchLabels": {"app.kubernetes.io/part-of": "herald"}}
    [rule] = admin["ingress"]
    assert [p["port"] for p in rule["ports"]] == [9090]
    assert [f["namespaceSelector"]["matchLabels"][NS] for f in rule["from"]] == ["monitoring"]
    if name == "prod":
        assert set(of_kind(docs, "ServiceMonitor")) == {f"herald-{s}" for s in services}


def test_migration_job_runs_the_migration_runner(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    _name, docs = overlay
    job = of_kind(docs, "Job")["herald-migrate"]
    c = job["spec"]["template"]["spec"]["containers"][0]
    assert c["command"] == ["python", "-m", "herald.devstack.migrate"]
    assert c["securityContext"]["readOnlyRootFilesystem"] is True


def test_the_cpu_autoscaling_alternative_renders_and_validates(tmp_path: Path) -> None:
    """No overlay ships components/hpa: render it on the base as a cluster without KEDA would."""
    rel = {p: os.path.relpath(DEPLOY / p, tmp_path) for p in ("base", "components/hpa")}
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"resources: [{rel['base']}]\ncomponents: [{rel['components/hpa']}]\n",
        encoding="utf-8",
    )
    docs = render(tmp_path)
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    assert set(hpas) == set(of_kind(docs, "Deployment"))
    for doc in hpas.values():
        for version in K8S_VERSIONS:
            kubernetes_validate.validate(doc, version, strict=True)
