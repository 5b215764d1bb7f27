"""The portal on hand-written fakes: intake's own submission and dry run over a fake
repository and event bus, fake advisers, fake reads and reports, fake session store, a
clock the test moves. Keys are tests.support.keys' people (acme and globex)."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from tests.support.fakes import FakeEventBus, FakeSessionStore
from tests.support.keys import write_keys
from tests.unit.intake.fakes import (
    FakeAdviser,
    FakeFiledRequests,
    FakeReportReader,
    FakeRequestRepository,
)

from herald.intake.dry_run import DryRun
from herald.intake.filing import Filing
from herald.intake.http.portal.routes import PortalParts, build_portal
from herald.intake.metrics import IntakeMetrics
from herald.intake.settings import IntakeSettings
from herald.intake.submission import Intake
from herald.runtime.auth import ApiKeyStore, Authenticator

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
FORM = {"content-type": "application/x-www-form-urlencoded"}
REVIEWED = {"decision": "approved", "findings": [], "human_required": False}
PLANNED = {
    "audience": 3,
    "reachable": 2,
    "suppressed": {"no_contact": 1, "opted_out": 0, "frequency_capped": 0},
    "deferred": {"quiet_hours_deferred": 1},
    "would_send": 2,
    "would_send_by_channel": {"app_push": 1, "sms": 1},
    "spread": {"first": "2026-11-27T12:00:00+00:00", "last": "2026-11-27T13:00:00+00:00"},
}


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Portal:
    http: httpx.AsyncClient
    keys_file: Path
    events: FakeEventBus
    repo: FakeRequestRepository
    filed: FakeFiledRequests
    reports: FakeReportReader
    review: FakeAdviser
    scheduler: FakeAdviser
    sessions: FakeSessionStore
    clock: Clock
    pages: list[str] = field(default_factory=list)

    async def log_in(self, name: str = "submitter", tenant: str = "acme") -> None:
        answer = await self.http.post(
            "/portal/login", content=f"key=key-{tenant}-{name}", headers=FORM
        )
        assert (answer.status_code, answer.headers.get("location")) == (303, "/portal/"), (
            answer.text
        )

    async def csrf(self, path: str = "/portal/") -> str:
        page = await self.http.get(path)
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found is not None, page.text
        return found.group(1)

    async def post(self, path: str, fields: list[tuple[str, str]]) -> httpx.Response:
        from urllib.parse import urlencode

        answer = await self.http.post(path, content=urlencode(fields), headers=FORM)
        self.pages.append(answer.text)
        return answer


def settings() -> IntakeSettings:
    return IntakeSettings(
        database_url="postgresql://unused",  # type: ignore[arg-type]
        tenants="acme,globex",
        portal_session_secret="portal-unit-secret-0123456789abcdef",  # type: ignore[arg-type]
        portal_cookie_secure=False,
    )


def portal_app(folder: Path) -> tuple[FastAPI, dict[str, Any]]:
    keys_file = folder / "keys.json"
    write_keys(keys_file)
    s, clock = settings(), Clock()
    events, repo = FakeEventBus(), FakeRequestRepository()
    metrics = IntakeMetrics(CollectorRegistry(), s.tenant_set)
    intake = Intake(repo, events, clock, metrics)  # type: ignore[arg-type]
    review, scheduler = FakeAdviser("review", REVIEWED), FakeAdviser("scheduler", PLANNED)
    filing = Filing(intake, DryRun(repo, review, scheduler), metrics, lambda: s.limits(clock()))
    filed, reports, store = FakeFiledRequests(), FakeReportReader(), FakeSessionStore()
    parts = PortalParts(filing, intake, repo, filed, reports)
    built = build_portal(s, store, parts, Authenticator(ApiKeyStore(str(keys_file))), clock)
    assert built is not None
    app = FastAPI()
    app.include_router(built[0])
    return app, {"keys_file": keys_file, "events": events, "repo": repo, "filed": filed,
                 "reports": reports, "review": review, "scheduler": scheduler,
                 "sessions": store, "clock": clock}  # fmt: skip


def portal(folder: Path) -> Portal:
    app, parts = portal_app(folder)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake")
    return Portal(http, **parts)
