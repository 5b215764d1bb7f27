"""Every service's HTTP app counts requests by route template and status."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, HTTPException
from prometheus_client import CollectorRegistry

from herald.runtime.service import build_runtime, create_app
from herald.runtime.settings import ServiceSettings

REQUIRED = {"database_url": "postgresql://herald@127.0.0.1/herald", "tenants": "acme"}


def things() -> APIRouter:
    api = APIRouter(prefix="/v1/things")

    @api.get("/{thing_id}")
    async def get_thing(thing_id: str) -> dict[str, str]:
        if thing_id == "missing":
            raise HTTPException(404, "no such thing")
        return {"id": thing_id}

    @api.post("/{thing_id}/boom")
    async def boom(thing_id: str) -> None:
        raise RuntimeError(thing_id)

    @api.post("/{thing_id}/wait")
    async def wait(thing_id: str) -> None:
        raise ConnectionRefusedError(thing_id)

    return api


@pytest.fixture
async def served() -> AsyncIterator[tuple[httpx.AsyncClient, CollectorRegistry]]:
    rt = build_runtime("tracker", ServiceSettings(**REQUIRED))
    app = create_app(rt, http=[things()])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://tracker") as http:
        yield http, rt.registry


def requests(registry: CollectorRegistry, method: str, route: str, status: str) -> float:
    labels = {"method": method, "route": route, "status": status}
    return registry.get_sample_value("herald_http_requests_total", labels) or 0.0


async def test_requests_count_by_route_template_and_status(
    served: tuple[httpx.AsyncClient, CollectorRegistry],
) -> None:
    http, registry = served
    for thing in ("a", "b", "missing"):
        await http.get(f"/v1/things/{thing}")

    assert requests(registry, "GET", "/v1/things/{thing_id}", "200") == 2
    assert requests(registry, "GET", "/v1/things/{thing_id}", "404") == 1
    assert requests(registry, "GET", "/v1/things/a", "200") == 0
    count = registry.get_sample_value(
        "herald_http_request_duration_seconds_count",
        {"method": "GET", "route": "/v1/things/{thing_id}"},
    )
    assert count == 3


async def test_failures_count_with_the_status_the_client_got_and_strays_as_unmatched(
    served: tuple[httpx.AsyncClient, CollectorRegistry],
) -> None:
    http, registry = served
    assert (await http.post("/v1/things/x/boom")).status_code == 500
    assert (await http.post("/v1/things/x/wait")).status_code == 503
    assert (await http.get("/no/such/path/4711")).status_code == 404
    assert (await http.request("BREW", "/v1/things/x")).status_code == 405

    assert requests(registry, "POST", "/v1/things/{thing_id}/boom", "500") == 1
    assert requests(registry, "POST", "/v1/things/{thing_id}/wait", "503") == 1
    assert requests(registry, "GET", "unmatched", "404") == 1
    assert requests(registry, "other", "/v1/things/{thing_id}", "405") == 1


async def test_scrapes_of_metrics_are_not_counted_but_probes_are(
    served: tuple[httpx.AsyncClient, CollectorRegistry],
) -> None:
    http, _registry = served
    await http.get("/healthz")
    body = (await http.get("/metrics")).text

    assert 'herald_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in body
    assert 'route="/metrics"' not in body
