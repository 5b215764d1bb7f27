"""Reports over time: buckets without gaps, each counted like every report, and the
endpoint's range rules and scoping to the caller's tenant."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from herald.runtime.auth import ApiKeyStore, Authenticator
from herald.runtime.problems import install_problem_handlers
from herald.tracker.domain.timeline import build_timeline, starts
from herald.tracker.http.timeline import build_timeline_http
from tests.support.keys import bearer, write_keys
from tests.unit.tracker.fakes import FakeReports

NOW = datetime(2026, 11, 27, 12, 30, tzinfo=UTC)
NINE = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def row(at: datetime, outcome: str, n: int, **counts: int) -> dict[str, object]:
    base = {"delivered": 0, "opened": 0, "read": 0, "clicked": 0}
    return {"bucket": at, "channel": "sms", "outcome": outcome, "reason": "", "n": n,
            **base, **counts}  # fmt: skip


def test_each_bucket_counts_its_own_sends_and_empty_ones_are_zero() -> None:
    rows = [
        row(NINE, "delivered", 4, delivered=4, opened=2, read=1, clicked=1),
        row(NINE, "failed", 1),
        row(NINE + timedelta(hours=2), "sent", 2, delivered=1, opened=1),
    ]
    out = build_timeline(rows, NINE + timedelta(minutes=10), NINE + timedelta(hours=3), "hour")
    assert [b["start"] for b in out] == [
        "2026-11-27T09:00:00+00:00", "2026-11-27T10:00:00+00:00", "2026-11-27T11:00:00+00:00"
    ]  # fmt: skip
    first, empty, last = out
    assert (first["recipients"], first["sent"], first["delivered"], first["failed"]) == (5, 4, 4, 1)
    assert (first["read_rate"], first["click_rate"]) == (0.5, 0.25)
    assert first["channels"]["sms"]["clicked"] == 1
    assert (empty["sent"], empty["read_rate"], empty["channels"]) == (0, None, {})
    assert (last["sent"], last["delivered"], last["read_rate"]) == (2, 1, 1.0)


def test_days_start_at_midnight_utc() -> None:
    days = starts(datetime(2026, 11, 25, 23, 0, tzinfo=UTC), NOW, "day")
    assert [d.day for d in days] == [25, 26, 27] and days[0].hour == 0


@pytest.fixture
async def api(
    tmp_path: Path,
) -> AsyncIterator[tuple[FakeReports, httpx.AsyncClient, dict[str, str]]]:
    reports = FakeReports(rows=[row(NINE, "delivered", 3, delivered=3, read=1, opened=1)])
    keys = write_keys(tmp_path / "keys.json")
    app = FastAPI()
    install_problem_handlers(app)
    auth = Authenticator(ApiKeyStore(str(tmp_path / "keys.json")))
    app.include_router(build_timeline_http(reports, auth, lambda: NOW))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tracker") as http:
        yield reports, http, bearer(keys[("acme", "viewer")])


async def test_the_endpoint_answers_the_callers_tenant_by_hour(
    api: tuple[FakeReports, httpx.AsyncClient, dict[str, str]],
) -> None:
    reports, http, viewer = api
    assert (await http.get("/v1/reports/timeline")).status_code == 401
    answer = await http.get(
        "/v1/reports/timeline",
        params={"bucket": "hour", "department": "marketing", "request_id": "mkt-1"},
        headers=viewer,
    )
    body = answer.json()
    assert answer.status_code == 200 and body["bucket"] == "hour" and len(body["buckets"]) == 25
    assert body["since"] == "2026-11-26T12:00:00+00:00"  # the last day, whole hours
    nine = next(b for b in body["buckets"] if b["start"] == NINE.isoformat())
    assert (nine["delivered"], nine["read_rate"]) == (3, 0.3333)
    (query,) = reports.asked[-1]
    assert (query.tenant, query.department, query.request_id) == ("acme", "marketing", "mkt-1")


async def test_ranges_too_long_or_without_an_offset_are_refused(
    api: tuple[FakeReports, httpx.AsyncClient, dict[str, str]],
) -> None:
    _, http, viewer = api
    long_by_hour = {"bucket": "hour", "since": "2026-10-01T00:00:00Z", "until": NOW.isoformat()}
    naive = {"since": "2026-11-01T00:00:00"}
    bad_id = {"request_id": "no spaces"}
    for params in (long_by_hour, naive, bad_id):
        answer = await http.get("/v1/reports/timeline", params=params, headers=viewer)
        assert answer.status_code == 422, params
    by_day = {"bucket": "day", "since": "2026-10-01T00:00:00Z", "until": NOW.isoformat()}
    assert (
        await http.get("/v1/reports/timeline", params=by_day, headers=viewer)
    ).status_code == 200
