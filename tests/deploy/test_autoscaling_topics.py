"""Autoscaling follows the consumer groups in the code; topics follow DEFAULT_LAYOUT."""

import re
from pathlib import Path

from herald.runtime.topics import DEFAULT_LAYOUT
from tests.deploy.conftest import DEPLOY, Built, load_yaml_docs

PARTITIONS = {str(s.topic): s.partitions for s in DEFAULT_LAYOUT}


def bound(built: Built) -> int:
    """More consumers than a service's largest topic has partitions would sit idle."""
    return max(PARTITIONS[topic] for _group, topic in built.subscriptions)


def by_name(path: Path, kind: str) -> dict[str, dict]:  # type: ignore[type-arg]
    return {d["metadata"]["name"]: d for d in load_yaml_docs(path) if d["kind"] == kind}


def test_keda_triggers_are_exactly_the_consumer_groups_in_the_code(
    services: dict[str, Built],
) -> None:
    scaled = by_name(DEPLOY / "components/keda/scaledobjects.yaml", "ScaledObject")
    consuming = {name for name, b in services.items() if b.subscriptions}
    assert set(scaled) == {f"herald-{n}" for n in consuming}
    for name in consuming:
        spec = scaled[f"herald-{name}"]["spec"]
        triggers = sorted(
            (t["metadata"]["consumerGroup"], t["metadata"]["topic"]) for t in spec["triggers"]
        )
        assert triggers == services[name].subscriptions, (
            f"{name}'s consumer groups changed: update deploy/components/keda/scaledobjects.yaml"
        )
        assert spec["maxReplicaCount"] == bound(services[name]), name
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]


def test_cpu_autoscalers_are_bounded_the_same_way(services: dict[str, Built]) -> None:
    hpas = by_name(DEPLOY / "components/hpa/hpa.yaml", "HorizontalPodAutoscaler")
    for name, built in services.items():
        if built.subscriptions:
            assert hpas[f"herald-{name}"]["spec"]["maxReplicas"] == bound(built), name


def test_dispatcher_rate_share_assumes_its_largest_replica_count(
    services: dict[str, Built],
) -> None:
    """REPLICAS divides provider rate limits: at the most replicas, limits still hold."""
    base = by_name(DEPLOY / "base/dispatcher.yaml", "ConfigMap")["herald-dispatcher-config"]
    assert int(base["data"]["REPLICAS"]) >= bound(services["dispatcher"])


def test_strimzi_topics_match_the_default_layout() -> None:
    topics = {
        d["spec"]["topicName"]: d["spec"]
        for d in load_yaml_docs(DEPLOY / "components/strimzi-topics/topics.yaml")
    }
    assert set(topics) == set(PARTITIONS)
    for spec in DEFAULT_LAYOUT:
        got = topics[str(spec.topic)]
        assert got["partitions"] == spec.partitions, spec.topic
        for key, value in spec.config.items():
            assert got["config"].get(key) == value, (spec.topic, key)
        policy = spec.config.get("cleanup.policy", "delete")
        assert got["config"].get("cleanup.policy", "delete") == policy, spec.topic
    assert topics["push.recipients.v1"]["config"]["cleanup.policy"] == "compact"


def test_create_topics_script_matches_the_default_layout() -> None:
    script = (DEPLOY / "topics/create-topics.sh").read_text(encoding="utf-8")
    lines = re.findall(r"^create (\S+) (\d+)((?: \S+=\S+)*)$", script, re.MULTILINE)
    found = {
        name: (int(n), dict(kv.split("=", 1) for kv in rest.split())) for name, n, rest in lines
    }
    assert found == {str(s.topic): (s.partitions, dict(s.config)) for s in DEFAULT_LAYOUT}
