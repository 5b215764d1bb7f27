"""Report endpoints with a fake ledger: auth, JSON and CSV, the time range."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from herald.runtime.auth import ApiKeyStore, Authenticator
from herald.runtime.problems import install_problem_handlers
from herald.tracker.http.reports import build_http
from tests.support.keys import bearer, write_keys
from tests.unit.tracker.fakes import FakeReports

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ROW = {"department": "marketing", "channel": "sms", "outcome": "delivered", "reason": "",
       "n": 4, "delivered": 4, "opened": 2, "read": 1, "clicked": 1}  # fmt: skip


@pytest.fixture
async def api(
    tmp_path: Path,
) -> AsyncIterator[tuple[FakeReports, httpx.AsyncClient, dict[str, str]]]:
    reports = FakeReports(
        request_row={"department": "marketing", "labels": {"c": "w"}, "recipients": 5,
                     "final_status": "completed"},
        rows=[ROW], deferrals=[],
    )  # fmt: skip
    keys = write_keys(tmp_path / "keys.json")
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(
        build_http(reports, Authenticator(ApiKeyStore(str(tmp_path / "keys.json"))), lambda: NOW)
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tracker") as http:
        yield reports, http, bearer(keys[("acme", "viewer")])


async def test_a_request_report_as_json(
    api: tuple[FakeReports, httpx.AsyncClient, dict[str, str]],
) -> None:
    _, http, viewer = api
    assert (await http.get("/v1/requests/r-1/report")).status_code == 401
    body = (await http.get("/v1/requests/r-1/report", headers=viewer)).json()
    assert (body["recipients"], body["delivered"], body["read_rate"], body["click_rate"]) == (
        5, 4, 0.5, 0.25,
    )  # fmt: skip
    assert body["labels"] == {"c": "w"}


async def test_csv_is_asked_for_by_accept_or_by_format(
    api: tuple[FakeReports, httpx.AsyncClient, dict[str, str]],
) -> None:
    _, http, viewer = api
    by_accept = await http.get("/v1/requests/r-1/report", headers={**viewer, "accept": "text/csv"})
    by_format = await http.get("/v1/requests/r-1/report?format=csv", headers=viewer)
    assert by_accept.text == by_format.text
    assert by_accept.text.splitlines()[1] == "marketing,all,5,4,4,0,0,0,0,2,1,1,0.5,0.25,,,0,0.0"
    forced_json = await http.get(
        "/v1/requests/r-1/report?format=json", headers={**viewer, "accept": "text/csv"}
    )
    assert forced_json.headers["content-type"] == "application/json"


async def test_an_unknown_request_is_404(
    api: tuple[FakeReports, httpx.AsyncClient, dict[str, str]],
) -> None:
    reports, http, viewer = api
    reports.request_row = None
    r = await http.get("/v1/requests/r-404/report", headers=viewer)
    assert (r.status_code, r.json()["code"]) == (404, "not_found")


async def test_range_defaults_to_the_last_week_and_refuses_bad_ranges(
    api: tuple[FakeReports, httpx.AsyncClient, dict[str, str]],
) -> None:
    reports, http, viewer = api
    body = (await http.get("/v1/reports", headers=viewer)).json()
    assert reports.asked[-1] == ("acme", NOW - timedelta(days=7), NOW, None)
    assert body["departments"]["marketing"]["delivered"] == 4
    assert body["total"]["recipients"] == 4
    params = {"since": "2026-11-01T00:00:00+08:00", "until": "2026-11-02T00:00:00+08:00",
              "department": "marketing"}  # fmt: skip
    assert (await http.get("/v1/reports", params=params, headers=viewer)).status_code == 200
    assert reports.asked[-1][3] == "marketing"
    for bad in (
        {"since": "2026-11-02T00:00:00Z", "until": "2026-11-01T00:00:00Z"},
        {"since": "2024-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        {"since": "2026-11-01T00:00:00"},
        {"since": "yesterday"},
    ):
        r = await http.get("/v1/reports", params=bad, headers=viewer)
        assert r.status_code == 422, bad
