"""Intake's dry run over HTTP, with hand-written fake advisers: validation as the real
path, tenant and role checks, the combined answer, 503 naming who is down, nothing sent."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from tests.support.fakes import FakeEventBus
from tests.support.keys import bearer, write_keys
from tests.unit.intake.fakes import FakeAdviser, FakeRequestRepository

from herald.contracts import PushRequest
from herald.contracts.internal import Standing
from herald.devstack.ports import free_port
from herald.intake.adapters.advisers import HttpAdviser
from herald.intake.domain import RequestRecord, body_hash
from herald.intake.dry_run import DryRun
from herald.intake.filing import Filing
from herald.intake.http.requests import build_http
from herald.intake.metrics import IntakeMetrics
from herald.intake.ports import AdviserUnavailable
from herald.intake.settings import IntakeSettings
from herald.intake.submission import Intake
from herald.runtime.auth import ApiKeyStore, Authenticator
from herald.runtime.problems import install_problem_handlers

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
REVIEWED = {"decision": "approved", "findings": [], "human_required": False}
PLANNED = {"audience": 3, "reachable": 2, "suppressed": {"no_contact": 1, "opted_out": 0}}


def body(rid: str = "r-1", **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "request_id": rid,
        "tenant": "acme",
        "requester": {"department": "marketing", "user": "li.wei"},
        "goal": "g",
        "category": "marketing",
        "channels": ["sms"],
        "content": {"title": "t", "body": "b"},
        "audience": {"all": True},
    }
    return data | over


@dataclass
class World:
    http: httpx.AsyncClient
    keys: dict[tuple[str, str], str]
    events: FakeEventBus
    repo: FakeRequestRepository
    review: FakeAdviser
    scheduler: FakeAdviser

    async def dry_run(self, payload: Any, role: str = "submitter", tenant: str = "acme") -> Any:
        return await self.http.post(
            "/v1/requests",
            params={"dry_run": "true"},
            json=payload,
            headers=bearer(self.keys[(tenant, role)]) | {"x-trace-id": "trace-1"},
        )


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    keys = write_keys(tmp_path / "keys.json")
    settings = IntakeSettings(database_url="postgresql://unused", tenants="acme,globex")
    events, repo = FakeEventBus(), FakeRequestRepository()
    metrics = IntakeMetrics(CollectorRegistry(), settings.tenant_set)
    intake = Intake(repo, events, lambda: NOW, metrics)  # type: ignore[arg-type]
    review, scheduler = FakeAdviser("review", REVIEWED), FakeAdviser("scheduler", PLANNED)
    auth = Authenticator(ApiKeyStore(str(tmp_path / "keys.json")))
    app = FastAPI()
    install_problem_handlers(app)
    dry = DryRun(repo, review, scheduler)
    filing = Filing(intake, dry, metrics, lambda: settings.limits(NOW))
    app.include_router(build_http(filing, repo, auth, settings, dry))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as http:
        yield World(http, keys, events, repo, review, scheduler)


async def test_dry_run_answers_what_would_happen_and_sends_and_stores_nothing(
    world: World,
) -> None:
    r = await world.dry_run(body())
    assert r.status_code == 200
    assert r.json() == {
        "dry_run": True,
        "valid": True,
        "request_id": "r-1",
        "intake": {"outcome": "accepted", "reasons": []},
        "review": REVIEWED,
        "schedule": PLANNED,
        "figures": {},  # this scheduler does not mark its figures
        "sample": None,
    }
    assert r.headers["x-trace-id"] == "trace-1"
    expected = ("r-1", "Bearer " + world.keys[("acme", "submitter")], "trace-1")
    assert world.review.asked == [expected]
    assert world.scheduler.asked == [expected]
    assert world.events.published == []
    assert world.repo.rows == {}


async def test_the_combined_answer_says_which_schedule_figures_are_extrapolated(
    world: World,
) -> None:
    sample = {"timed": 40, "reachable": 90, "share": 0.4444}
    figures = {
        "audience": "exact",
        "would_send": "extrapolated",
        "pacing.last_send": "extrapolated",
    }
    world.scheduler.answer = PLANNED | {"sampled": True, "sample": sample, "figures": figures}
    answer = (await world.dry_run(body())).json()
    assert answer["figures"] == {
        "schedule.audience": "exact",
        "schedule.would_send": "extrapolated",
        "schedule.pacing.last_send": "extrapolated",
    }
    assert answer["sample"] == sample
    assert answer["schedule"]["figures"] == figures


async def test_admin_may_dry_run_but_not_reviewer_or_viewer(world: World) -> None:
    as_admin = body(requester={"department": "operations", "user": "boss"})
    assert (await world.dry_run(as_admin, role="admin")).status_code == 200
    for role in ("reviewer", "viewer"):
        r = await world.dry_run(body(), role=role)
        assert (r.status_code, r.json()["code"]) == (403, "unauthorized")


async def test_invalid_request_answers_422_exactly_like_the_real_path(world: World) -> None:
    bad = body(content={"title": "x" * 101, "body": "b"})
    dry = await world.dry_run(bad)
    real = await world.http.post(
        "/v1/requests", json=bad, headers=bearer(world.keys[("acme", "submitter")])
    )
    assert dry.status_code == real.status_code == 422
    assert dry.json() == real.json()
    assert dry.headers["content-type"] == "application/problem+json"
    assert world.review.asked == []


async def test_another_tenants_request_is_403_and_nobody_is_asked(world: World) -> None:
    r = await world.dry_run(body(), tenant="globex")
    assert (r.status_code, r.json()["code"]) == (403, "unauthorized")
    assert world.review.asked == world.scheduler.asked == []


@pytest.mark.parametrize(
    ("down", "named"),
    [(("review",), ["review"]), (("review", "scheduler"), ["review", "scheduler"])],
)
async def test_an_unreachable_adviser_is_503_naming_it(
    world: World, down: tuple[str, ...], named: list[str]
) -> None:
    world.review.down = "review" in down
    world.scheduler.down = "scheduler" in down
    r = await world.dry_run(body())
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["retry-after"]
    assert r.json()["code"] == "unavailable"
    assert r.json()["unavailable"] == named
    assert all(name in r.json()["detail"] for name in named)


async def test_a_refusing_adviser_is_relayed(world: World) -> None:
    world.scheduler.refuse = 401
    r = await world.dry_run(body())
    assert (r.status_code, r.json()["code"]) == (401, "unauthorized")
    assert "scheduler" in r.json()["detail"]


async def test_dry_run_says_when_intake_itself_would_not_accept(world: World) -> None:
    request = PushRequest.model_validate(body("r-dup"))
    world.repo.rows[("acme", "r-dup")] = RequestRecord(
        "acme", "r-dup", body_hash(request), "marketing", "li.wei", "t", "http", "http:x", True
    )
    assert (await world.dry_run(body("r-dup"))).json()["intake"]["outcome"] == "duplicate"
    changed = body("r-dup", goal="another")
    assert (await world.dry_run(changed)).json()["intake"]["outcome"] == "conflict"
    world.repo.standings[("acme", "requester", "li.wei")] = Standing.RESTRICTED
    answer = (await world.dry_run(body("r-new"))).json()["intake"]
    assert answer["outcome"] == "rejected"
    assert answer["reasons"][0]["code"] == "requester_restricted"
    assert len(world.repo.rows) == 1


async def test_http_adviser_reports_an_unreachable_service_as_unavailable() -> None:
    adviser = HttpAdviser("review", f"http://127.0.0.1:{free_port()}", 2.0)
    request = PushRequest.model_validate(body())
    with pytest.raises(AdviserUnavailable) as caught:
        await adviser.advise(request, "Bearer k", "t")
    assert caught.value.name == "review"


def test_http_adviser_refuses_a_url_that_is_not_http() -> None:
    with pytest.raises(ValueError, match="http"):
        HttpAdviser("review", "file:///etc/passwd", 1.0)
