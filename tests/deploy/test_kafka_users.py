"""Broker-side authorisation: each service's Kafka user may read and write exactly the
topics its code reads and writes (and join exactly its consumer groups); an upstream
producer may only write the public topics producers write.

The local broker has no ACLs, so this is checked on the Kubernetes manifests, against
the services' own manifests (herald.<service>.manifest: topics and groups in, topics
out), which tests/unit/test_manifests.py holds to what each app subscribes and each
service's source publishes.
"""

from typing import Any

import pytest

from herald.contracts import Topic
from herald.devstack.kafka_users import files, service_acls
from herald.devstack.services import BY_NAME
from herald.runtime.provenance import UPSTREAM_TOPICS
from tests.deploy.conftest import DEPLOY, Built, load_yaml_docs, of_kind
from tests.deploy.test_manifests import container, env_of

USERS = DEPLOY / "components/kafka-users"


def acls(user: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(resource type, name, operation) for every rule of a KafkaUser."""
    out = set()
    for rule in user["spec"]["authorization"]["acls"]:
        resource = rule["resource"]
        assert resource.get("patternType", "literal") == "literal", "no prefixes or wildcards"
        out |= {(resource["type"], resource["name"], op) for op in rule["operations"]}
    return out


def test_the_checked_in_users_are_what_the_code_generates() -> None:
    for name, text in files().items():
        assert (USERS / name).read_text(encoding="utf-8") == text, (
            f"deploy/components/kafka-users/{name} is stale: run make kafka-users"
        )


def test_each_service_reads_and_writes_exactly_its_own_topics(
    rendered: dict[str, list[dict[str, Any]]], services: dict[str, Built]
) -> None:
    users = of_kind(rendered["prod"], "KafkaUser")
    assert set(users) == {f"herald-{s}" for s in services}
    for name, built in services.items():
        user = users[f"herald-{name}"]
        assert user["metadata"]["labels"]["strimzi.io/cluster"]
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        got = acls(user)
        reads = {t for _g, t in built.subscriptions}
        groups = {g for g, _t in built.subscriptions}
        assert {n for k, n, op in got if k == "topic" and op == "Read"} == reads, name
        assert {n for k, n, op in got if k == "group"} == groups, name
        assert {op for k, _n, op in got if k == "group"} == {"Read"}, name
        writes = {n for k, n, op in got if k == "topic" and op == "Write"}
        assert writes == {str(t) for t in BY_NAME[name].produces}, name
        assert not {op for _k, _n, op in got} - {"Read", "Write", "Describe"}, name
        expected = service_acls(built.subscriptions, sorted(writes))
        assert got == {(a.kind, a.name, op) for a in expected for op in a.operations}, name


def test_only_herald_writes_its_internal_topics_and_push_status() -> None:
    """Who writes what, across users: no service writes a public upstream topic except
    the engagement its own endpoints take (tracker's links and API, the dispatcher's
    inbox and receipts) and the recipients intake's recipient API imports and erases
    (signed as Herald for the caller's tenant), and each internal topic has a writer."""
    users = {d["metadata"]["name"]: d for d in load_yaml_docs(USERS / "users.yaml")}
    writers: dict[str, set[str]] = {}
    for name, user in users.items():
        for kind, topic, op in acls(user):
            if kind == "topic" and op == "Write":
                writers.setdefault(topic, set()).add(name)
    assert not writers.get(str(Topic.REQUESTS))
    assert writers[str(Topic.RECIPIENTS)] == {"herald-intake"}
    assert writers[str(Topic.ENGAGEMENT)] == {"herald-tracker", "herald-dispatcher"}
    internal = {str(t) for t in Topic if not t.is_public} | {str(Topic.STATUS)}
    assert internal <= set(writers)


def test_an_upstream_producer_may_write_the_public_topics_and_nothing_else() -> None:
    [user] = load_yaml_docs(USERS / "upstream-producer.example.yaml")
    got = acls(user)
    assert {n for _k, n, op in got if op == "Write"} == UPSTREAM_TOPICS
    assert {op for _k, _n, op in got} == {"Write", "Describe"}
    assert {k for k, _n, _op in got} == {"topic"}


@pytest.mark.parametrize("overlay_name", ["prod"])
def test_every_service_connects_as_its_own_user_over_tls(
    overlay_name: str, rendered: dict[str, list[dict[str, Any]]], services: dict[str, Built]
) -> None:
    docs = rendered[overlay_name]
    for name in services:
        d = of_kind(docs, "Deployment")[f"herald-{name}"]
        env = env_of(d, docs)
        assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
        assert env["KAFKA_SASL_USERNAME"] == f"herald-{name}"
        password = next(v for v in container(d)["env"] if v["name"] == "KAFKA_SASL_PASSWORD")
        assert password["valueFrom"]["secretKeyRef"]["name"] == f"herald-{name}"
        mounts = {m["mountPath"] for m in container(d)["volumeMounts"]}
        assert env["KAFKA_SSL_CAFILE"].rsplit("/", 1)[0] in mounts
        assert env["RECORD_KEYS"] == "<secret>"
