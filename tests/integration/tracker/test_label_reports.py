"""Reports by label (a campaign) and by channel and provider with failure reasons, on the
real broker and Postgres: outcomes and statuses in over Kafka, reports out over HTTP."""

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from herald.contracts import Counts, Status, StatusKind
from tests.integration.tracker.builders import outcome
from tests.integration.tracker.harness import App
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def scheduled(rid: str, n: int, labels: dict[str, str], tenant: str = "acme") -> dict[str, Any]:
    s = Status(
        request_id=rid,
        tenant=tenant,
        status=StatusKind.SCHEDULED,
        at=datetime.now(UTC),
        counts=Counts(recipients=n),
        labels=labels,
    )
    return s.model_dump(mode="json")


def sent(rid: str, i: int, kind: str, provider: str, **over: Any) -> tuple[str, dict[str, Any]]:
    o = outcome(rid, i, kind, at=datetime.now(UTC), provider=provider, **over)
    return o.delivery_id, o.model_dump(mode="json")


def completed(app: App, rid: str) -> bool:
    return any(s.json()["status"] == "completed" for s in app.status.for_key(rid))


async def a_campaign(app: App, uid: str) -> str:
    """Three requests of tenant acme (spring twice over two requests, autumn once), one
    without the label, and one of globex with the same label; all completed."""
    key = f"campaign-{uid}"
    plans = {
        f"sp1-{uid}": ({key: "spring"}, [("delivered", "aliyun"), ("failed", "tencent")]),
        f"sp2-{uid}": ({key: "spring"}, [("delivered", "aliyun")]),
        f"au-{uid}": ({key: "autumn", "team": "x"}, [("sent", "log")]),
        f"none-{uid}": ({"other": "y"}, [("delivered", "aliyun")]),
    }
    statuses, outcomes = [], []
    for rid, (labels, sends) in plans.items():
        statuses.append((rid, scheduled(rid, len(sends), labels)))
        for i, (kind, provider) in enumerate(sends):
            reason = {"reason": "provider_failed"} if kind == "failed" else {}
            outcomes.append(sent(rid, i, kind, provider, **reason))
    other = f"gx-{uid}"
    statuses.append((other, scheduled(other, 1, {key: "spring"}, "globex")))
    outcomes.append(sent(other, 0, "delivered", "aliyun", tenant="globex"))
    await app.send("push.status.v1", statuses)
    await app.send("push.outcomes.v1", outcomes)
    for rid in [*plans, other]:
        await eventually(lambda rid=rid: completed(app, rid), what=f"{rid} completed")
    return key


async def test_reports_by_label_value_channel_and_provider(app: App, uid: str) -> None:
    key = await a_campaign(app, uid)
    since = {"since": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}
    r = await app.http.get(f"/v1/reports/labels/{key}", params=since, headers=app.as_("viewer"))
    assert r.status_code == 200
    body = r.json()
    assert (body["tenant"], body["label"]) == ("acme", key)
    assert set(body["values"]) == {"spring", "autumn"}  # not the unlabelled request
    spring = body["values"]["spring"]
    assert (spring["recipients"], spring["sent"], spring["failed"]) == (3, 2, 1)
    assert spring["failed_by_reason"] == {"provider_failed": 1}
    sms = spring["providers"]["sms"]
    assert (sms["aliyun"]["sent"], sms["aliyun"]["delivered"]) == (2, 2)
    assert sms["tencent"]["failed_by_reason"] == {"provider_failed": 1}
    assert body["total"]["recipients"] == 4  # globex's spring is globex's

    filtered = await app.http.get(
        "/v1/reports", params={**since, "label": f"{key}:spring"}, headers=app.as_("viewer")
    )
    assert filtered.json()["total"]["recipients"] == 3
    assert filtered.json()["label"] == f"{key}:spring"
    any_value = await app.http.get(
        "/v1/reports", params={**since, "label": key}, headers=app.as_("viewer")
    )
    assert any_value.json()["total"]["recipients"] == 4

    theirs = await app.http.get(
        f"/v1/reports/labels/{key}", params=since, headers=app.as_("viewer", "globex")
    )
    assert theirs.json()["total"]["recipients"] == 1


async def test_label_report_as_csv_with_provider_rows(app: App, uid: str) -> None:
    key = await a_campaign(app, uid)
    params = {"since": (datetime.now(UTC) - timedelta(hours=1)).isoformat(), "providers": "true"}
    r = await app.http.get(
        f"/v1/reports/labels/{key}",
        params=params,
        headers={**app.as_("viewer"), "accept": "text/csv"},
    )
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert r.text.splitlines()[0].startswith("label,channel,recipients,")
    spring = [x for x in rows if x["label"] == "spring"]
    assert [(x["channel"], x["provider"]) for x in spring] == [
        ("all", ""),
        ("sms", ""),
        ("sms", "aliyun"),
        ("sms", "tencent"),
    ]
    assert spring[0]["failed_by_reason"] == "provider_failed=1"
    assert spring[3]["failed"] == "1"


async def test_label_reports_need_a_reader_and_a_label_key(app: App) -> None:
    reporter = await app.http.get("/v1/reports/labels/campaign", headers=app.as_("reporter"))
    assert reporter.status_code == 403
    bad = await app.http.get("/v1/reports/labels/no%20key", headers=app.as_("viewer"))
    assert bad.status_code == 422
    worse = await app.http.get("/v1/reports", params={"label": "a b:c"}, headers=app.as_("viewer"))
    assert worse.status_code == 422
