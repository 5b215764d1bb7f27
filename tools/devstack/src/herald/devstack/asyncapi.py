"""`python -m herald.devstack.asyncapi [FILE]`: the AsyncAPI 3.0 document of every topic.

Written to docs/asyncapi.json (`make asyncapi`); a test fails when the code drifts from
it. Everything comes from the code: channels from the `Topic` enum and `DEFAULT_LAYOUT`
(partitions, configs), payloads from the pydantic models in `herald.contracts`, receive
operations from the consumer groups each service's app really subscribes (its app is
built with placeholder settings; nothing connects), and send operations from the
`publish`/`publish_many` calls in each service's source. `faststream docs gen` sees
only one app's subscribers and none of Herald's publishing (which goes through
herald.runtime.events), hence this module.
"""

import importlib
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from herald.contracts import DeadLetter, Engagement, PushRequest, Recipient, Status, Topic
from herald.contracts.internal import (
    CancelRequested,
    ContactInvalidated,
    Outcome,
    RequestEnvelope,
    Send,
    StandingChanged,
)
from herald.runtime.service import Runtime
from herald.runtime.settings import ServiceSettings
from herald.runtime.topics import DEFAULT_LAYOUT

SERVICES = ("intake", "review", "scheduler", "dispatcher", "tracker")
PLACEHOLDERS = {
    "database_url": "postgresql://unused/unused",
    "tenants": "acme",
    "signing_secret": "unused",
    "tracking_keys": "k1:unused",
    "record_keys": "k1:a-placeholder-record-key-nothing-is-signed",
}
BINDING = "0.5.0"
_PUBLISH = re.compile(r"\.publish(?:_many)?\(\s*Topic\.([A-Z_]+)")


@dataclass(frozen=True, slots=True)
class Payload:
    model: type[BaseModel]
    key: str
    tombstones: bool = False
    """A null value is meaningful (compacted topics: erase this key)."""


# What travels on each topic and its key (public ones: docs/contract.md).
PAYLOADS: dict[Topic, Payload] = {
    Topic.REQUESTS: Payload(PushRequest, "request_id"),
    Topic.RECIPIENTS: Payload(Recipient, "recipient_id", tombstones=True),
    Topic.ENGAGEMENT: Payload(Engagement, "delivery_id"),
    Topic.STATUS: Payload(Status, "request_id"),
    Topic.DLQ: Payload(DeadLetter, "the original message's key"),
    Topic.ACCEPTED: Payload(RequestEnvelope, "request_id"),
    Topic.APPROVED: Payload(RequestEnvelope, "request_id"),
    Topic.SENDS: Payload(Send, "delivery_id"),
    Topic.OUTCOMES: Payload(Outcome, "delivery_id"),
    Topic.CANCELS: Payload(CancelRequested, "request_id"),
    Topic.STANDING: Payload(StandingChanged, "tenant:subject_kind:subject"),
    Topic.CONTACTS: Payload(ContactInvalidated, "recipient_id"),
}
# Public topics other teams write (docs/contract.md); Herald's own writers are found in code.
EXTERNAL_PRODUCERS: dict[Topic, str] = {
    Topic.REQUESTS: "upstream systems",
    Topic.RECIPIENTS: "upstream systems",
    Topic.ENGAGEMENT: "client apps",
}


def build_service(name: str) -> tuple[FastAPI, Runtime]:
    """The service's app and the Runtime it was built on, with placeholder settings."""
    main = importlib.import_module(f"herald.{name}.main")
    settings_mod = importlib.import_module(f"herald.{name}.settings")
    settings_cls: type[ServiceSettings] = next(
        v
        for k, v in vars(settings_mod).items()
        if k.endswith("Settings") and isinstance(v, type) and k != "ServiceSettings"
    )
    fields = settings_cls.model_fields
    settings = settings_cls.model_validate({k: v for k, v in PLACEHOLDERS.items() if k in fields})
    built: list[Runtime] = []
    real = main.build_runtime

    def capture(service: str, s: ServiceSettings) -> Runtime:
        built.append(real(service, s))
        return built[-1]

    with mock.patch.object(main, "build_runtime", capture):
        app: FastAPI = main.create_app(settings)
    if len(built) != 1:
        raise RuntimeError(f"herald.{name}.main.create_app built {len(built)} runtimes")
    return app, built[0]


def subscriptions(rt: Runtime) -> list[tuple[str, str]]:
    """(consumer group, topic) for every subscriber on the service's broker."""
    prefix = rt.settings.kafka_topic_prefix
    found: list[tuple[str, str]] = []
    for sub in rt.broker.subscribers:
        # Kafka subscribers carry these; the broker's generic type does not say so
        group = str(getattr(sub, "group_id", None))
        topics: list[str] = list(getattr(sub, "topic_names", ()))
        found.extend((group, topic.removeprefix(prefix)) for topic in topics)
    return sorted(set(found))  # several consumers of one group count once


def publications(name: str) -> set[Topic]:
    """Topics the service's code publishes to, plus the DLQ every consumer may write."""
    package = Path(importlib.import_module(f"herald.{name}").__path__[0])
    found = {Topic.DLQ}
    for path in package.rglob("*.py"):
        found.update(Topic[m] for m in _PUBLISH.findall(path.read_text(encoding="utf-8")))
    return found


def _schemas() -> tuple[dict[type[BaseModel], str], dict[str, Any]]:
    models = sorted({p.model for p in PAYLOADS.values()}, key=lambda m: m.__name__)
    refs, top = models_json_schema(
        [(m, "validation") for m in models], ref_template="#/components/schemas/{model}"
    )
    names = {m: refs[(m, "validation")]["$ref"].rsplit("/", 1)[1] for m in models}
    return names, dict(sorted(top.get("$defs", {}).items()))


def _channel(topic: Topic, names: dict[type[BaseModel], str]) -> dict[str, Any]:
    spec = next(s for s in DEFAULT_LAYOUT if s.topic == topic)
    payload = PAYLOADS[topic]
    messages = {names[payload.model]: {"$ref": f"#/components/messages/{names[payload.model]}"}}
    if payload.tombstones:
        messages["Tombstone"] = {"$ref": "#/components/messages/Tombstone"}
    config: dict[str, Any] = {"cleanup.policy": [spec.config.get("cleanup.policy", "delete")]}
    if "retention.ms" in spec.config:
        config["retention.ms"] = int(spec.config["retention.ms"])
    audience = "public (docs/contract.md)" if topic.is_public else "internal"
    return {
        "address": str(topic),
        "title": str(topic),
        "description": f"{audience}; key: `{payload.key}`",
        "messages": messages,
        "bindings": {
            "kafka": {
                "topic": str(topic),
                "partitions": spec.partitions,
                "topicConfiguration": config,
                "bindingVersion": BINDING,
            }
        },
    }


def _message(model_name: str, key: str) -> dict[str, Any]:
    return {
        "name": model_name,
        "contentType": "application/json",
        "payload": {"$ref": f"#/components/schemas/{model_name}"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": key},
                "bindingVersion": BINDING,
            }
        },
    }


def _operations(names: dict[type[BaseModel], str]) -> Iterator[tuple[str, dict[str, Any]]]:
    def refs(topic: Topic) -> list[dict[str, str]]:
        p = PAYLOADS[topic]
        ids = [names[p.model], *(["Tombstone"] if p.tombstones else [])]
        return [{"$ref": f"#/channels/{topic}/messages/{i}"} for i in ids]

    for service in SERVICES:
        _app, rt = build_service(service)
        for group, topic_name in subscriptions(rt):
            topic = Topic(topic_name)
            yield (
                f"{group}.receive.{topic}",
                {
                    "action": "receive",
                    "channel": {"$ref": f"#/channels/{topic}"},
                    "summary": f"{service} consumes as group {group}",
                    "messages": refs(topic),
                    "bindings": {"kafka": {"groupId": {"type": "string", "enum": [group]}}},
                },
            )
        for topic in sorted(publications(service)):
            yield (
                f"herald-{service}.send.{topic}",
                {
                    "action": "send",
                    "channel": {"$ref": f"#/channels/{topic}"},
                    "summary": f"{service} publishes",
                    "messages": refs(topic),
                },
            )
    for topic, who in EXTERNAL_PRODUCERS.items():
        yield (
            f"external.send.{topic}",
            {
                "action": "send",
                "channel": {"$ref": f"#/channels/{topic}"},
                "summary": f"{who} publish",
                "messages": refs(topic),
            },
        )


def document() -> dict[str, Any]:
    missing = set(Topic) - set(PAYLOADS)
    if missing:
        raise LookupError(f"no payload declared for {sorted(missing)}: add them to PAYLOADS")
    names, schemas = _schemas()
    messages = {names[p.model]: _message(names[p.model], p.key) for p in PAYLOADS.values()}
    messages["Tombstone"] = {
        "name": "Tombstone",
        "summary": "A null value: erase everything kept for this key.",
        "payload": {"type": "null"},
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Herald",
            "version": "1",
            "description": "Every Kafka topic of Herald: the public contract (docs/contract.md)"
            " and the internal events between its services. Generated by"
            " `python -m herald.devstack.asyncapi`.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": "kafka:9092",
                "protocol": "kafka",
                "description": "Any Kafka-compatible broker (KAFKA_BOOTSTRAP_SERVERS)",
            }
        },
        "channels": {str(t): _channel(t, names) for t in Topic},
        "operations": dict(sorted(_operations(names))),
        "components": {"messages": dict(sorted(messages.items())), "schemas": schemas},
    }


def render() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/asyncapi.json")
    out.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"{out}\n")
