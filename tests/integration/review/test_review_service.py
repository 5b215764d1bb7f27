"""Review against the real broker and Postgres: the human review API (four eyes, tenants),
the audit log, cancels, expiry with a controllable clock, and the strike ladder."""

import json
from pathlib import Path

import asyncpg
import httpx
import pytest
from tests.integration.review.builders import accept, cancel, request
from tests.integration.review.harness import Clock, auth, write_keys
from tests.support.kafka import TopicWatcher
from tests.support.service import create_topics, new_prefix, running, service_env
from tests.support.waiting import eventually

from herald.review.main import create_app
from herald.review.settings import ReviewSettings

pytestmark = pytest.mark.integration
SHORTENER = "详情 https://bit.ly/x"
GAMBLING = "百家乐今晚开局"


def statuses(watcher: TopicWatcher, rid: str) -> list[str]:
    return [s.json()["status"] for s in watcher.for_key(rid)]


async def pending(http: httpx.AsyncClient, rid: str) -> bool:
    answer = await http.get("/v1/reviews", params={"state": "pending"}, headers=auth("reviewer"))
    return rid in [r["request_id"] for r in answer.json()["reviews"]]


async def reloaded(http: httpx.AsyncClient) -> bool:
    metrics = (await http.get("/metrics")).text
    return "herald_review_dictionary_reloads_total 1.0" in metrics


async def test_human_review_with_four_eyes_tenants_and_an_immutable_audit_log(
    kafka: str, database_url: str, uid: str, tmp_path: Path
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    status = await TopicWatcher(kafka, prefix + "push.status.v1").start()
    approved = await TopicWatcher(kafka, prefix + "push.approved.v1").start()
    env = service_env(kafka, database_url, prefix, api_keys_file=write_keys(tmp_path))
    rid, clean = f"hold-{uid}", f"clean-{uid}"
    try:
        async with running(create_app(ReviewSettings(**env))) as http:
            held = request(rid, SHORTENER)
            await accept(kafka, prefix, held, request(clean), held)  # the held one twice
            await eventually(lambda: pending(http, rid), what="pending review")
            await eventually(lambda: approved.for_key(clean), what="clean request passed on")

            other = await http.get("/v1/reviews", headers=auth("globex-reviewer"))
            assert other.json()["reviews"] == []
            for path in (f"/v1/reviews/{rid}", f"/v1/reviews/{rid}/audit"):
                answer = await http.get(path, headers=auth("globex-reviewer"))
                assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
            done_ones = await http.get("/v1/reviews?state=approved", headers=auth("reviewer"))
            assert [r["request_id"] for r in done_ones.json()["reviews"]] == [clean]
            path = f"/v1/reviews/{rid}/decision"
            approve = {"decision": "approve", "note": "checked the link"}
            assert (
                await http.post(path, json=approve, headers=auth("globex-reviewer"))
            ).status_code == 404
            own = await http.post(path, json=approve, headers=auth("self-reviewer"))
            assert (own.status_code, own.json()["code"]) == (403, "unauthorized")
            assert (await http.post(path, json=approve, headers=auth("viewer"))).status_code == 403
            assert (await http.post(path, json=approve)).status_code == 401

            done = await http.post(path, json=approve, headers=auth("reviewer"))
            assert done.status_code == 200
            assert done.json()["decided_by"] == "zhang.san"
            again = await http.post(path, json=approve, headers=auth("reviewer"))
            assert again.status_code == 409
            await eventually(lambda: approved.for_key(rid), what="approved envelope")
            assert statuses(status, rid) == ["pending_review", "approved"]

            audit = (await http.get(f"/v1/reviews/{rid}/audit", headers=auth("viewer"))).json()
            assert [(e["actor"], e["action"]) for e in audit["entries"]] == [
                ("rules", "pending_review"),
                ("zhang.san", "approved"),
            ]
            assert audit["entries"][1]["note"] == "checked the link"
            metrics = (await http.get("/metrics")).text
            assert 'herald_review_decisions_total{by="human",outcome="approved"} 1.0' in metrics
    finally:
        await status.stop()
        await approved.stop()

    conn = await asyncpg.connect(database_url)
    try:
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("UPDATE review.audit SET actor = 'someone else'")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM review.audit")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("TRUNCATE review.audit")
    finally:
        await conn.close()


async def test_cancel_expiry_hot_reload_and_the_strike_ladder(
    kafka: str, database_url: str, uid: str, tmp_path: Path
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    policy = tmp_path / "policy.json"
    ladder = {"warned": 1, "restricted": 2, "banned": 3}
    policy.write_text(json.dumps({"strikes": {"requester": ladder}}), encoding="utf-8")
    env = service_env(
        kafka, database_url, prefix, api_keys_file=write_keys(tmp_path),
        review_policy_file=str(policy), review_timeout_s=3600, review_expiry_check_s=0.1,
        review_dictionary_dir=str(tmp_path), review_dictionary_check_s=0.1,
    )  # fmt: skip
    clock = Clock()
    status = await TopicWatcher(kafka, prefix + "push.status.v1").start()
    standing = await TopicWatcher(kafka, prefix + "push.standing.v1").start()
    c, e = f"cancel-{uid}", f"expire-{uid}"
    try:
        async with running(create_app(ReviewSettings(**env), clock=clock)) as http:
            await accept(kafka, prefix, request(c, SHORTENER))
            await eventually(lambda: statuses(status, c) == ["pending_review"], what="pending")
            await cancel(kafka, prefix, c)
            await eventually(lambda: "cancelled" in statuses(status, c), what="cancelled")

            await accept(kafka, prefix, request(e, SHORTENER))
            await eventually(lambda: pending(http, e), what="waiting")
            clock.advance(seconds=3601)
            await eventually(lambda: statuses(status, e) == ["pending_review", "expired"])

            (tmp_path / "custom.txt").write_text("神秘盲盒\n", encoding="utf-8")
            await eventually(lambda: reloaded(http), what="dictionaries reloaded")
            box = f"box-{uid}"
            await accept(kafka, prefix, request(box, "限时抢购神秘盲盒"))
            [held] = await eventually(lambda: [s.json() for s in status.for_key(box)])
            assert held["status"] == "pending_review"
            assert held["reasons"][0]["detail"]["category"] == "custom"

            await accept(
                kafka, prefix, request(f"b1-{uid}", GAMBLING), request(f"b2-{uid}", GAMBLING)
            )
            key = "acme:requester:li.wei"
            await eventually(
                lambda: (
                    [s.json()["standing"] for s in standing.for_key(key)]
                    == ["warned", "restricted"]
                ),
                what="warned then restricted",
            )
            reinstate = "/v1/standing/requester/li.wei/reinstate"
            assert (await http.post(reinstate, headers=auth("reviewer"))).status_code == 403
            assert (await http.post(reinstate, headers=auth("admin"))).status_code == 200
            await eventually(lambda: standing.for_key(key)[-1].json()["standing"] == "good")
    finally:
        await status.stop()
        await standing.stop()
