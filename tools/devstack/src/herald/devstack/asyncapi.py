"""`python -m herald.devstack.asyncapi [FILE]`: the AsyncAPI 3.0 document of every topic.

Written to docs/asyncapi.json (`make asyncapi`); a test fails when the code drifts from
it. Channels come from the `Topic` enum and `DEFAULT_LAYOUT` (partitions, configs),
payloads from the pydantic models in `herald.contracts`, and operations from the
services' manifests: a receive per consumer group and topic, a send per topic a service
produces (tests/unit/test_manifests.py holds the manifests to what the services do).
`faststream docs gen` sees only one app's subscribers and none of Herald's publishing
(which goes through herald.runtime.events), hence this module.
"""

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from herald.contracts import (
    ConsentChanged,
    DeadLetter,
    Engagement,
    PushRequest,
    Recipient,
    Status,
    Topic,
)
from herald.contracts.internal import (
    CancelRequested,
    ContactInvalidated,
    Outcome,
    OutcomeBatch,
    RequestEnvelope,
    Send,
    SendBatch,
    StandingChanged,
)
from herald.contracts.template_review import TemplateReviewed, TemplateReviewRequested
from herald.devstack.services import SERVICES
from herald.runtime.topics import DEFAULT_LAYOUT

BINDING = "0.5.0"


@dataclass(frozen=True, slots=True)
class Payload:
    model: type[BaseModel]
    key: str
    tombstones: bool = False
    """A null value is meaningful (compacted topics: erase this key)."""
    also: tuple[type[BaseModel], ...] = ()
    """Other shapes the topic's records may take (a batch of `model`s: consumers accept
    either, herald.runtime.batches)."""

    @property
    def models(self) -> tuple[type[BaseModel], ...]:
        return (self.model, *self.also)


# What travels on each topic and its key (public ones: docs/contract.md).
PAYLOADS: dict[Topic, Payload] = {
    Topic.REQUESTS: Payload(PushRequest, "request_id"),
    Topic.RECIPIENTS: Payload(Recipient, "recipient_id", tombstones=True),
    Topic.ENGAGEMENT: Payload(Engagement, "delivery_id"),
    Topic.STATUS: Payload(Status, "request_id"),
    Topic.DLQ: Payload(DeadLetter, "the original message's key"),
    Topic.ACCEPTED: Payload(RequestEnvelope, "request_id"),
    Topic.APPROVED: Payload(RequestEnvelope, "request_id"),
    Topic.SENDS: Payload(
        Send, "delivery_id (Send) or request_id:shard (SendBatch)", also=(SendBatch,)
    ),
    Topic.SENDS_CRITICAL: Payload(
        Send, "delivery_id (Send) or request_id:shard (SendBatch)", also=(SendBatch,)
    ),
    Topic.OUTCOMES: Payload(
        Outcome, "delivery_id (Outcome) or request_id:shard (OutcomeBatch)", also=(OutcomeBatch,)
    ),
    Topic.CANCELS: Payload(CancelRequested, "request_id"),
    Topic.STANDING: Payload(StandingChanged, "tenant:subject_kind:subject"),
    Topic.CONTACTS: Payload(ContactInvalidated, "recipient_id"),
    Topic.CONSENT: Payload(ConsentChanged, "recipient_id"),
    Topic.TEMPLATE_REVIEWS: Payload(TemplateReviewRequested, "tenant:name:version"),
    Topic.TEMPLATE_REVIEWED: Payload(TemplateReviewed, "tenant:name:version"),
}
# Public topics other teams write (docs/contract.md); Herald's own writers are in manifests.
EXTERNAL_PRODUCERS: dict[Topic, str] = {
    Topic.REQUESTS: "upstream systems",
    Topic.RECIPIENTS: "upstream systems",
    Topic.ENGAGEMENT: "client apps",
}


def _schemas() -> tuple[dict[type[BaseModel], str], dict[str, Any]]:
    models = sorted({m for p in PAYLOADS.values() for m in p.models}, key=lambda m: m.__name__)
    refs, top = models_json_schema(
        [(m, "validation") for m in models], ref_template="#/components/schemas/{model}"
    )
    names = {m: refs[(m, "validation")]["$ref"].rsplit("/", 1)[1] for m in models}
    return names, dict(sorted(top.get("$defs", {}).items()))


def _channel(topic: Topic, names: dict[type[BaseModel], str]) -> dict[str, Any]:
    spec = next(s for s in DEFAULT_LAYOUT if s.topic == topic)
    payload = PAYLOADS[topic]
    messages = {names[m]: {"$ref": f"#/components/messages/{names[m]}"} for m in payload.models}
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
        ids = [*(names[m] for m in p.models), *(["Tombstone"] if p.tombstones else [])]
        return [{"$ref": f"#/channels/{topic}/messages/{i}"} for i in ids]

    def operation(action: str, topic: Topic, summary: str, **more: Any) -> dict[str, Any]:
        return {
            "action": action,
            "channel": {"$ref": f"#/channels/{topic}"},
            "summary": summary,
            "messages": refs(topic),
            **more,
        }

    for service in SERVICES:
        for group, topic in sorted((c.group, c.topic) for c in service.consumes):
            group_id = {"groupId": {"type": "string", "enum": [group]}}
            yield (
                f"{group}.receive.{topic}",
                operation(
                    "receive",
                    topic,
                    f"{service.name} consumes as group {group}",
                    bindings={"kafka": group_id},
                ),
            )
        for topic in sorted(service.produces):
            yield (
                f"herald-{service.name}.send.{topic}",
                operation("send", topic, f"{service.name} publishes"),
            )
    for topic, who in EXTERNAL_PRODUCERS.items():
        yield f"external.send.{topic}", operation("send", topic, f"{who} publish")


def document() -> dict[str, Any]:
    missing = set(Topic) - set(PAYLOADS)
    if missing:
        raise LookupError(f"no payload declared for {sorted(missing)}: add them to PAYLOADS")
    names, schemas = _schemas()
    messages = {names[m]: _message(names[m], p.key) for p in PAYLOADS.values() for m in p.models}
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
