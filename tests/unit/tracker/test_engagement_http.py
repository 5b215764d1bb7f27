"""Tracking links, the open pixel and POST /v1/engagement, with a fake event bus."""

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from herald.contracts import Topic
from herald.runtime.auth import ApiKeyStore, Authenticator
from herald.runtime.events import Item
from herald.runtime.links import PIXEL_URL, LinkSigner, parse_keys
from herald.runtime.problems import install_problem_handlers
from herald.tracker.engagement import Engagements
from herald.tracker.http.engagement import build_engagement_http
from herald.tracker.metrics import TrackerMetrics
from tests.support.fakes import FakeEventBus
from tests.support.keys import bearer, write_keys

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
KEYS = "new:new-secret,old:old-secret"
SIGNER = LinkSigner(parse_keys(KEYS))
LATER = NOW + timedelta(days=1)


class BrokenBus(FakeEventBus):
    async def publish_many(
        self, topic: Topic, items: Sequence[Item], headers: dict[str, str] | None = None
    ) -> None:
        raise ConnectionError("broker away")

    async def publish(self, *args: object, **kwargs: object) -> None:
        raise ConnectionError("broker away")


class Harness:
    def __init__(self, folder: Path, events: FakeEventBus | None = None) -> None:
        self.events = events or FakeEventBus()
        self.registry = CollectorRegistry()
        self.keys = write_keys(folder / "keys.json")
        metrics = TrackerMetrics(self.registry, {"acme"})
        engagements = Engagements(SIGNER, self.events, metrics, lambda: NOW)
        self.app = FastAPI()
        install_problem_handlers(self.app)
        auth = Authenticator(ApiKeyStore(str(folder / "keys.json")))
        self.app.include_router(
            build_engagement_http(engagements, auth, max_events=3, max_bytes=4096)
        )

    def hits(self, kind: str, result: str) -> float | None:
        return self.registry.get_sample_value(
            "herald_tracker_link_hits_total", {"kind": kind, "result": result}
        )


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[tuple[Harness, httpx.AsyncClient]]:
    harness = Harness(tmp_path)
    transport = httpx.ASGITransport(app=harness.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tracker") as client:
        yield harness, client


async def test_a_good_link_publishes_a_click_first_then_redirects(
    h: tuple[Harness, httpx.AsyncClient],
) -> None:
    harness, http = h
    token = SIGNER.sign("d-1", "https://shop.example.com/winter", LATER)
    first, second = await http.get(f"/r/{token}"), await http.get(f"/r/{token}")
    assert first.status_code == second.status_code == 302
    assert first.headers["location"] == "https://shop.example.com/winter"
    assert first.headers["cache-control"].startswith("no-store")
    clicks = [p.json() for p in harness.events.on(Topic.ENGAGEMENT)]
    assert [c["kind"] for c in clicks] == ["clicked", "clicked"]
    assert {c["delivery_id"] for c in clicks} == {"d-1"}
    assert clicks[0]["url"] == "https://shop.example.com/winter"
    assert clicks[0]["event_id"] != clicks[1]["event_id"]
    assert harness.hits("clicked", "recorded") == 2


@pytest.mark.parametrize("case", ["tampered", "expired", "unknown_key", "truncated", "pixel"])
async def test_a_bad_token_is_404_problem_without_a_redirect_or_an_event(
    h: tuple[Harness, httpx.AsyncClient], case: str
) -> None:
    harness, http = h
    good = SIGNER.sign("d-1", "https://shop.example.com/", LATER)
    body, kid, mac = good.split(".")
    other_body = SIGNER.sign("d-1", "https://evil.example.com/", LATER).split(".")[0]
    token = {
        "tampered": f"{other_body}.{kid}.{mac}",
        "expired": SIGNER.sign("d-1", "https://shop.example.com/", NOW - timedelta(seconds=1)),
        "unknown_key": LinkSigner({"zz": b"x"}).sign("d-1", "https://shop.example.com/", LATER),
        "truncated": f"{body}.{kid}",
        "pixel": SIGNER.sign("d-1", PIXEL_URL, LATER),
    }[case]
    r = await http.get(f"/r/{token}")
    assert r.status_code == 404
    assert "location" not in r.headers
    assert r.headers["content-type"] == "application/problem+json"
    assert harness.events.published == []
    assert harness.hits("clicked", "refused") == 1


async def test_a_link_signed_with_the_older_key_still_works(
    h: tuple[Harness, httpx.AsyncClient],
) -> None:
    _, http = h
    old = LinkSigner(parse_keys("old:old-secret")).sign("d-1", "https://a.example.com/", LATER)
    assert (await http.get(f"/r/{old}")).status_code == 302


async def test_when_the_broker_is_away_the_person_still_gets_there(tmp_path: Path) -> None:
    harness = Harness(tmp_path, BrokenBus())
    transport = httpx.ASGITransport(app=harness.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tracker") as http:
        token = SIGNER.sign("d-1", "https://shop.example.com/", LATER)
        assert (await http.get(f"/r/{token}")).status_code == 302
        r = await http.post(
            "/v1/engagement",
            json=_event("e-1"),
            headers=bearer(harness.keys[("acme", "submitter")]),
        )
        assert r.status_code == 503
    assert harness.hits("clicked", "unrecorded") == 1


async def test_the_pixel_is_a_gif_and_records_an_open(
    h: tuple[Harness, httpx.AsyncClient],
) -> None:
    harness, http = h
    r = await http.get(f"/o/{SIGNER.sign('d-7', PIXEL_URL, LATER)}")
    assert (r.status_code, r.headers["content-type"]) == (200, "image/gif")
    assert r.content[:6] == b"GIF89a"
    assert len(r.content) == 43
    [opened] = [p.json() for p in harness.events.on(Topic.ENGAGEMENT)]
    assert (opened["kind"], opened["delivery_id"], opened["url"]) == ("opened", "d-7", None)
    link = SIGNER.sign("d-7", "https://shop.example.com/", LATER)
    assert (await http.get(f"/o/{link}")).status_code == 404


def _event(event_id: str, **over: object) -> dict[str, object]:
    return {"event_id": event_id, "delivery_id": "d-1", "kind": "read",
            "at": NOW.isoformat(), **over}  # fmt: skip


async def test_posted_engagement_needs_a_submitter_key_and_a_valid_body(
    h: tuple[Harness, httpx.AsyncClient],
) -> None:
    harness, http = h
    submitter = bearer(harness.keys[("acme", "submitter")])
    assert (await http.post("/v1/engagement", json=_event("e-1"))).status_code == 401
    wrong = await http.post("/v1/engagement", json=_event("e-1"), headers=bearer("nope"))
    assert wrong.status_code == 401
    viewer = bearer(harness.keys[("acme", "viewer")])
    assert (
        await http.post("/v1/engagement", json=_event("e-1"), headers=viewer)
    ).status_code == 403
    cases = {
        422: [_event("e-1", kind="liked"), [], [_event(f"e-{i}") for i in range(4)],
              _event("bad id!"), _event("e-1", at="2026-11-27T12:00:00")],
        400: [b"{nope"],
        413: [b"[" + b" " * 5000 + b"]"],
    }  # fmt: skip
    for status, bodies in cases.items():
        for body in bodies:
            kwargs = {"content": body} if isinstance(body, bytes) else {"json": body}
            r = await http.post("/v1/engagement", headers=submitter, **kwargs)  # type: ignore[arg-type]
            assert r.status_code == status, (body, r.text)
            assert r.headers["content-type"] == "application/problem+json"
    assert harness.events.published == []

    one = await http.post("/v1/engagement", json=_event("e-1"), headers=submitter)
    many = await http.post(
        "/v1/engagement", json=[_event("e-2"), _event("e-3", delivery_id="d-2")], headers=submitter
    )
    assert (one.status_code, one.json(), many.json()) == (202, {"accepted": 1}, {"accepted": 2})
    published = harness.events.on(Topic.ENGAGEMENT)
    assert [(p.key, p.json()["event_id"]) for p in published] == [
        ("d-1", "e-1"),
        ("d-1", "e-2"),
        ("d-2", "e-3"),
    ]


@pytest.mark.parametrize("path", ["/r/", "/o/"])
async def test_a_non_ascii_signature_is_404_not_a_server_error(
    h: tuple[Harness, httpx.AsyncClient], path: str
) -> None:
    harness, http = h
    good = SIGNER.sign("d-1", "https://shop.example.com/", LATER)
    body, kid, _mac = good.split(".")
    r = await http.get(f"{path}{body}.{kid}.签名")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert harness.events.published == []


async def test_deeply_nested_engagement_is_a_400_problem(
    h: tuple[Harness, httpx.AsyncClient],
) -> None:
    harness, http = h
    deep = b"[" * 2000 + b"]" * 2000  # under the 4 KiB cap, deeper than json recurses
    r = await http.post(
        "/v1/engagement",
        content=deep,
        headers={**bearer(harness.keys[("acme", "submitter")]), "content-type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_request"
