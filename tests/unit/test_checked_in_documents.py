"""The checked-in JSON Schemas and OpenAPI documents are what the code generates."""

import json
from pathlib import Path

import pytest

from herald.contracts.schemas import PUBLIC_MODELS, render
from herald.devstack.openapi import render as render_openapi
from herald.devstack.services import SERVICES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(PUBLIC_MODELS))
def test_json_schema_is_up_to_date(name: str) -> None:
    checked_in = (ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
    assert checked_in == render(PUBLIC_MODELS[name]), "run `make schemas`"


@pytest.mark.parametrize("service", [m.name for m in SERVICES])
def test_openapi_document_is_up_to_date(service: str) -> None:
    checked_in = (ROOT / "docs" / "openapi" / f"{service}.json").read_text(encoding="utf-8")
    assert json.loads(checked_in) == json.loads(render_openapi(service)), "run `make openapi`"


def test_every_checked_in_openapi_document_is_a_services() -> None:
    on_disk = {p.stem for p in (ROOT / "docs" / "openapi").glob("*.json")}
    assert on_disk == {m.name for m in SERVICES}


def test_push_request_schema_accepts_the_contract_example() -> None:
    from herald.contracts import PushRequest

    example = json.loads((ROOT / "docs" / "examples" / "push-request.json").read_text())
    assert PushRequest.model_validate(example).request_id == "mkt-2026-11-27-0001"


@pytest.mark.parametrize("service", [m.name for m in SERVICES])
def test_every_operation_that_takes_a_body_documents_413(service: str) -> None:
    """The runtime's BodyLimit may answer 413 on any of them (issue 16)."""
    document = json.loads((ROOT / "docs" / "openapi" / f"{service}.json").read_text())
    undocumented = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation and "413" not in operation["responses"]
    ]
    assert undocumented == []
