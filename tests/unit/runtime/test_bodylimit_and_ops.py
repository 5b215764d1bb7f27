"""Bodies capped as they stream; operational endpoints where the settings say."""

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request
from prometheus_client import CollectorRegistry, Counter

from herald.runtime import ops
from herald.runtime.bodylimit import BodyLimit


def reading_app() -> FastAPI:
    app = FastAPI()

    @app.post("/small")
    async def small(request: Request) -> dict[str, int]:
        return {"read": len(await request.body())}

    @app.post("/v1/big")
    async def big(request: Request) -> dict[str, int]:
        return {"read": len(await request.body())}

    app.add_middleware(BodyLimit, default=1000, limits={"/v1/big": 10_000})
    return app


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t")


async def chunks(n: int, size: int) -> AsyncIterator[bytes]:
    for _ in range(n):
        yield b"x" * size


async def test_declared_oversized_body_is_refused_before_the_route_reads_it() -> None:
    async with client(reading_app()) as c:
        r = await c.post("/small", content=b"x" * 1001)
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "invalid_request"


async def test_streamed_body_without_length_is_cut_at_the_limit() -> None:
    async with client(reading_app()) as c:
        r = await c.post("/small", content=chunks(100, 100))
        assert r.status_code == 413
        ok = await c.post("/small", content=chunks(5, 100))
        assert ok.json() == {"read": 500}


async def test_routes_that_need_more_get_their_own_limit() -> None:
    async with client(reading_app()) as c:
        assert (await c.post("/v1/big", content=b"x" * 5000)).json() == {"read": 5000}
        assert (await c.post("/v1/big", content=chunks(11, 1000))).status_code == 413


def ops_app(admin_port: int | None) -> FastAPI:
    registry = CollectorRegistry()
    Counter("herald_demo", "demo", registry=registry).inc()

    async def ready() -> dict[str, str]:
        return {"postgres": "ConnectionRefusedError: [Errno 111] 10.0.0.5:5432 refused"}

    app = FastAPI()
    ops.install(app, "demo", ready, registry, admin_port)
    return app


async def test_public_readiness_says_what_is_not_ready_but_never_why() -> None:
    async with client(ops_app(None)) as c:
        r = await c.get("/readyz")
        assert r.status_code == 503
        assert r.json() == {"ready": False, "problems": {"postgres": "not ready"}}
        assert "10.0.0.5" not in r.text
        assert "herald_demo_total 1.0" in (await c.get("/metrics")).text


async def test_with_an_admin_port_metrics_and_details_leave_the_public_port() -> None:
    app = ops_app(9100)
    async with client(app) as c:
        assert (await c.get("/metrics")).status_code == 404
        assert (await c.get("/healthz")).json() == {"status": "alive"}
    async with client(app.state.admin) as admin:
        assert "herald_demo_total 1.0" in (await admin.get("/metrics")).text
        detail = (await admin.get("/readyz")).json()["problems"]["postgres"]
        assert detail.startswith("ConnectionRefusedError")
