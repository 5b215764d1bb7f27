"""docs/asyncapi.json: what the code generates, and a structurally valid AsyncAPI 3.0."""

import json
import re
from typing import Any

import jsonschema
import pytest

from herald.contracts import Topic
from herald.devstack import asyncapi
from herald.runtime.topics import DEFAULT_LAYOUT
from tests.deploy.conftest import ROOT, Built

DOC = ROOT / "docs/asyncapi.json"
KEY = re.compile(r"^[\w\d.\-_]+$")  # component, channel and operation ids (AsyncAPI 3.0)

# The parts of the AsyncAPI 3.0 JSON Schema that a document like ours exercises.
STRUCTURE: dict[str, Any] = {
    "type": "object",
    "required": ["asyncapi", "info"],
    "properties": {
        "asyncapi": {"const": "3.0.0"},
        "info": {
            "type": "object",
            "required": ["title", "version"],
            "properties": {"title": {"type": "string"}, "version": {"type": "string"}},
        },
        "defaultContentType": {"type": "string"},
        "servers": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["host", "protocol"],
                "properties": {"host": {"type": "string"}, "protocol": {"type": "string"}},
            },
        },
        "channels": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "address": {"type": ["string", "null"]},
                    "messages": {"type": "object", "additionalProperties": {"$ref": "#/$defs/ref"}},
                    "bindings": {"type": "object"},
                },
                "additionalProperties": True,
            },
        },
        "operations": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["action", "channel"],
                "properties": {
                    "action": {"enum": ["send", "receive"]},
                    "channel": {"$ref": "#/$defs/ref"},
                    "messages": {"type": "array", "items": {"$ref": "#/$defs/ref"}},
                },
            },
        },
        "components": {
            "type": "object",
            "properties": {
                "schemas": {"type": "object"},
                "messages": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {"payload": {"type": "object"}, "name": {"type": "string"}},
                    },
                },
            },
        },
    },
    "$defs": {
        "ref": {
            "type": "object",
            "required": ["$ref"],
            "properties": {"$ref": {"type": "string", "pattern": "^#/"}},
            "additionalProperties": False,
        }
    },
}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return json.loads(DOC.read_text(encoding="utf-8"))


def resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


def test_checked_in_document_is_what_the_code_generates(doc: dict[str, Any]) -> None:
    assert doc == json.loads(asyncapi.render()), "run `make asyncapi`"


def test_document_has_the_asyncapi_3_structure(doc: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(STRUCTURE).validate(doc)
    for section in ("channels", "operations"):
        assert all(KEY.match(k) for k in doc[section]), section
    for section in ("messages", "schemas"):
        assert all(KEY.match(k) for k in doc["components"][section]), section


def test_every_reference_resolves_and_operations_use_their_channels_messages(
    doc: dict[str, Any],
) -> None:
    for ref in refs(doc):
        resolve(doc, ref)
    for op in doc["operations"].values():
        channel = op["channel"]["$ref"]
        for message in op.get("messages", []):
            assert message["$ref"].startswith(channel + "/messages/")


def test_payload_schemas_are_valid_json_schemas(doc: dict[str, Any]) -> None:
    for name, schema in doc["components"]["schemas"].items():
        assert name
        jsonschema.Draft202012Validator.check_schema(schema)


def test_the_example_request_matches_its_published_schema(doc: dict[str, Any]) -> None:
    example = json.loads((ROOT / "docs/examples/push-request.json").read_text(encoding="utf-8"))
    schema = {"$ref": "#/components/schemas/PushRequest", "components": doc["components"]}
    jsonschema.Draft202012Validator(schema).validate(example)


def test_every_topic_and_every_consumer_group_is_described(
    doc: dict[str, Any], services: dict[str, Built]
) -> None:
    assert {c["address"] for c in doc["channels"].values()} == {str(t) for t in Topic}
    for spec in DEFAULT_LAYOUT:
        kafka = doc["channels"][str(spec.topic)]["bindings"]["kafka"]
        assert kafka["partitions"] == spec.partitions
    receives = sorted(
        (
            op["bindings"]["kafka"]["groupId"]["enum"][0],
            resolve(doc, op["channel"]["$ref"])["address"],
        )
        for op in doc["operations"].values()
        if op["action"] == "receive"
    )
    assert receives == sorted(s for b in services.values() for s in b.subscriptions)
