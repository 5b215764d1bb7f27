"""Status callbacks against the real broker and Postgres, with local HTTP receivers:
every status reaches the department's subscription signed and in order, a receiver
that was down gets the retries, replay re-sends one delivery, failing receivers are
disabled, and nobody else's subscription is visible; URLs aimed at our own network are
refused when registered and when sent to (DNS rebinding)."""

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from herald.contracts import Status, StatusKind
from herald.contracts.internal import Standing, StandingChanged
from herald.devstack.ports import free_port
from herald.intake.adapters.callbacks.outbox import PgOutbox
from herald.intake.callbacks.signing import verify
from herald.runtime.db import Database
from tests.integration.dispatcher.stub import Seen, Stub, reply, stub
from tests.integration.intake.builders import request_body
from tests.integration.intake.harness import DNS, Intake
from tests.support.kafka import produce
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
LATER = ("pending_review", "approved", "scheduled", "dispatching", "completed")


async def subscribe(intake: Intake, url: str, role: str = "submitter", **body: Any) -> Any:
    r = await intake.http.post(
        "/v1/callbacks", json={"url": url, **body}, headers=intake.as_("acme", role)
    )
    assert r.status_code == 201, r.text
    return r.json()


async def submit(intake: Intake, rid: str) -> None:
    r = await intake.http.post(
        "/v1/requests", json=request_body(rid), headers=intake.as_("acme", "submitter")
    )
    assert r.status_code == 202, r.text


async def publish_statuses(intake: Intake, rid: str, kinds: tuple[str, ...]) -> None:
    """The statuses review, the scheduler and the tracker would publish, in order."""
    items: list[tuple[str | None, bytes | None]] = [
        (
            rid,
            Status(request_id=rid, tenant="acme", status=StatusKind(k), at=datetime.now(UTC))
            .model_dump_json()
            .encode(),
        )
        for k in kinds
    ]
    await produce(intake.kafka, intake.topic("push.status.v1"), items)


def about(seen: list[Seen], rid: str) -> list[dict[str, Any]]:
    bodies = [json.loads(s.body) for s in seen]
    return [b for b in bodies if b["type"] == "status" and b["data"]["request_id"] == rid]


async def deliveries(intake: Intake, sub_id: str, role: str = "submitter") -> list[Any]:
    r = await intake.http.get(
        f"/v1/callbacks/{sub_id}/deliveries", headers=intake.as_("acme", role)
    )
    assert r.status_code == 200, r.text
    return list(r.json()["deliveries"])


async def test_every_status_reaches_the_departments_subscription_signed_and_in_order(
    callback_intake: Intake, uid: str
) -> None:
    intake = callback_intake
    async with stub() as mine, stub() as theirs, stub() as tenant_wide:
        sub = await subscribe(intake, mine.url("/hooks/herald"))
        await subscribe(intake, theirs.url("/h"), role="ops-submitter")
        await subscribe(intake, tenant_wide.url("/h"), role="admin", scope="tenant")
        rid = f"cb-{uid}"
        await submit(intake, rid)
        await publish_statuses(intake, rid, LATER)
        wanted = ["accepted", *LATER]
        await eventually(lambda: len(about(mine.seen, rid)) == len(wanted), what="6 POSTs")
        await eventually(lambda: len(about(tenant_wide.seen, rid)) == len(wanted))
        # a redelivery of them all, then one more status behind them on the same partition
        await publish_statuses(intake, rid, (*LATER, "cancelled"))
        wanted.append("cancelled")
        await eventually(lambda: len(about(mine.seen, rid)) >= len(wanted), what="cancelled")

    assert [b["data"]["status"] for b in about(mine.seen, rid)] == wanted
    assert about(theirs.seen, rid) == []  # another department's subscription
    for seen in mine.seen:
        assert seen.method == "POST" and seen.path == "/hooks/herald"
        assert verify(sub["secret"], seen.headers["herald-signature"], seen.body, int(time.time()))
        assert not verify(
            "whsec_wrong", seen.headers["herald-signature"], seen.body, int(time.time())
        )
        assert seen.headers["herald-event-id"] == json.loads(seen.body)["id"]
        assert seen.headers["user-agent"] == "Herald-Callbacks/1"
    shown = await deliveries(intake, sub["id"])
    assert {d["state"] for d in shown} == {"delivered"}
    assert all(d["attempts"][0]["status_code"] == 200 for d in shown)
    assert "secret" not in json.dumps(
        (await intake.http.get("/v1/callbacks", headers=intake.as_("acme", "submitter"))).json()
    ).replace('"secret": null', "")


async def test_a_receiver_that_was_down_gets_the_retries_once_it_is_up(
    callback_intake: Intake, uid: str
) -> None:
    intake, port = callback_intake, free_port()
    sub = await subscribe(intake, f"http://127.0.0.1:{port}/h", events=["status"])
    rid = f"down-{uid}"
    await submit(intake, rid)

    async def failed_twice() -> bool:
        found = await deliveries(intake, sub["id"])
        return bool(found) and len(found[0]["attempts"]) >= 2

    await eventually(failed_twice, what="two failed attempts")
    [pending] = await deliveries(intake, sub["id"])
    assert pending["state"] == "pending" and pending["next_attempt_at"]
    first = pending["attempts"][0]
    assert first["status_code"] is None and "ConnectError" in first["error"]
    assert first["next_retry_at"] > first["at"]

    receiver = await Stub(port=port).start()
    try:
        await eventually(lambda: about(receiver.seen, rid), what="the retry")
        [done] = await eventually(
            lambda: _delivered(intake, sub["id"]), what="delivered after the receiver came up"
        )
    finally:
        await receiver.stop()
    assert done["attempts"][-1]["status_code"] == 200
    assert all(a["status_code"] is None for a in done["attempts"][:-1])


async def _delivered(intake: Intake, sub_id: str) -> list[Any] | None:
    found = await deliveries(intake, sub_id, "admin")
    return found if found and found[0]["state"] == "delivered" else None


async def test_replay_resends_one_delivery_and_nobody_else_sees_or_replays_it(
    callback_intake: Intake, uid: str
) -> None:
    intake = callback_intake
    async with stub() as receiver:
        sub = await subscribe(intake, receiver.url("/h"), events=["status"])
        rid = f"replay-{uid}"
        await submit(intake, rid)
        await eventually(lambda: about(receiver.seen, rid), what="accepted POSTed")
        [delivery] = await deliveries(intake, sub["id"])
        path = f"/v1/callbacks/{sub['id']}/deliveries/{delivery['id']}/replay"

        for role in ("ops-submitter", "viewer", "reviewer"):  # another department; no manager
            who = intake.as_("acme", role)
            assert (await intake.http.post(path, headers=who)).status_code in (403, 404)
            assert (
                await intake.http.get(f"/v1/callbacks/{sub['id']}", headers=who)
            ).status_code in (403, 404)
        other = intake.as_("acme", "ops-submitter")
        listed = (await intake.http.get("/v1/callbacks", headers=other)).json()["callbacks"]
        assert sub["id"] not in [c["id"] for c in listed]
        assert (
            await intake.http.get(f"/v1/callbacks/{sub['id']}/deliveries", headers=other)
        ).status_code == 404
        globex = intake.as_("globex", "admin")
        assert (await intake.http.post(path, headers=globex)).status_code == 404
        assert len(about(receiver.seen, rid)) == 1

        replayed = await intake.http.post(path, headers=intake.as_("acme", "submitter"))
        assert replayed.status_code == 202 and replayed.json()["state"] == "pending"
        await eventually(lambda: len(about(receiver.seen, rid)) == 2, what="the replay")
    first, again = [s for s in receiver.seen if about([s], rid)]
    assert first.headers["herald-event-id"] == again.headers["herald-event-id"]
    assert first.body == again.body
    assert verify(sub["secret"], again.headers["herald-signature"], again.body, int(time.time()))


async def test_a_failing_receiver_is_disabled_and_enabling_it_sends_what_waited(
    callback_intake: Intake, uid: str
) -> None:
    intake, answer = callback_intake, {"status": 500}

    def handler(_seen: Seen) -> Any:
        return reply(answer["status"])

    async with stub(handler) as receiver:
        sub = await subscribe(intake, receiver.url("/h"), events=["status"])
        rid = f"fail-{uid}"
        await submit(intake, rid)

        async def disabled() -> Any:
            r = await intake.http.get(
                f"/v1/callbacks/{sub['id']}", headers=intake.as_("acme", "submitter")
            )
            return r.json() if not r.json()["active"] else None

        found = await eventually(disabled, what="disabled after 4 failures")
        assert "4 consecutive failed attempts" in found["disabled_reason"]
        [waiting] = await deliveries(intake, sub["id"])
        assert [a["status_code"] for a in waiting["attempts"]] == [500] * 4
        assert waiting["attempts"][0]["error"] == "HTTP 500"
        replay = f"/v1/callbacks/{sub['id']}/deliveries/{waiting['id']}/replay"
        assert (
            await intake.http.post(replay, headers=intake.as_("acme", "submitter"))
        ).status_code == 409

        answer["status"] = 204
        enabled = await intake.http.post(
            f"/v1/callbacks/{sub['id']}/enable", headers=intake.as_("acme", "submitter")
        )
        assert enabled.json()["active"] is True
        await eventually(lambda: _delivered(intake, sub["id"]), what="delivered once enabled")


async def test_rotating_the_secret_signs_with_both_until_the_grace_ends(
    callback_intake: Intake, uid: str
) -> None:
    intake = callback_intake
    async with stub() as receiver:
        sub = await subscribe(intake, receiver.url("/h"), events=["status"])
        r = await intake.http.post(
            f"/v1/callbacks/{sub['id']}/rotate-secret", headers=intake.as_("acme", "submitter")
        )
        new = r.json()["secret"]
        assert new != sub["secret"] and new.startswith("whsec_")
        rid = f"rot-{uid}"
        await submit(intake, rid)
        [seen] = await eventually(lambda: [s for s in receiver.seen if about([s], rid)])
    now = int(time.time())
    assert verify(new, seen.headers["herald-signature"], seen.body, now)
    assert verify(sub["secret"], seen.headers["herald-signature"], seen.body, now)


async def test_who_may_register_what(callback_intake: Intake, uid: str) -> None:
    intake, url = callback_intake, f"http://127.0.0.1:{free_port()}/h"

    async def register(role: str, tenant: str = "acme", **body: Any) -> httpx.Response:
        return await intake.http.post(
            "/v1/callbacks", json={"url": url, **body}, headers=intake.as_(tenant, role)
        )

    assert (await register("submitter", scope="tenant")).status_code == 403
    theirs = await register("submitter", department="ops")
    assert theirs.status_code == 403 and "'ops'" in theirs.json()["detail"]
    assert (await register("viewer")).status_code == 403
    assert (await register("reviewer")).status_code == 403
    mine = await register("submitter", department="MARKETING")  # folded: their own
    assert mine.status_code == 201 and mine.json()["department"] == "marketing"
    admin = await register("admin", department="ops")
    assert admin.status_code == 201 and admin.json()["scope"] == "department"
    bad = await register("admin", events=["nothing"])
    assert bad.status_code == 422
    removed = await intake.http.delete(
        f"/v1/callbacks/{mine.json()['id']}", headers=intake.as_("acme", "submitter")
    )
    assert removed.status_code == 204
    gone = await intake.http.get(
        f"/v1/callbacks/{mine.json()['id']}", headers=intake.as_("acme", "admin")
    )
    assert gone.status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/h",
        "http://[::1]:9/h",
        "http://10.0.0.7/h",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/h",
        "http://localhost.internal.test/h",  # resolves to loopback
        "http://user:pw@hooks.example.test/h",
    ],
)
async def test_urls_aimed_at_our_own_network_are_refused_at_registration(
    strict_intake: Intake, url: str
) -> None:
    DNS["localhost.internal.test"] = ["127.0.0.1"]
    DNS["hooks.example.test"] = ["93.184.216.34"]
    r = await strict_intake.http.post(
        "/v1/callbacks", json={"url": url}, headers=strict_intake.as_("acme", "submitter")
    )
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "url")


@pytest.mark.parametrize("checked_before_connecting", [True, False])
async def test_a_name_that_rebinds_to_loopback_after_registration_is_never_reached(
    strict_intake: Intake, uid: str, checked_before_connecting: bool
) -> None:
    """The registration check sees a public address; later the name answers 127.0.0.1,
    either already to the check before the POST or only to the connection itself."""
    host = f"hooks-{uid}-{int(checked_before_connecting)}.rebind.test"
    # answered to: the registration's check, the check before the POST, the connection
    DNS[host] = ["93.184.216.34"] * (1 if checked_before_connecting else 2) + ["127.0.0.1"]
    async with stub() as loopback:
        sub = await subscribe(strict_intake, f"http://{host}:{loopback.port}/h", events=["status"])
        await submit(strict_intake, f"rebind-{uid}-{int(checked_before_connecting)}")

        async def refused() -> Any:
            found = await deliveries(strict_intake, sub["id"])
            return found[0]["attempts"] if found and found[0]["attempts"] else None

        attempts = await eventually(refused, what="an attempt")
        assert loopback.seen == []
    assert attempts[0]["error"] == "refused: target is not a public address"
    assert attempts[0]["status_code"] is None


async def test_a_change_of_standing_is_announced_to_the_departments_subscriptions(
    callback_intake: Intake, uid: str
) -> None:
    intake = callback_intake
    async with stub() as mine, stub() as statuses_only, stub() as theirs:
        sub = await subscribe(intake, mine.url("/h"), events=["standing"])
        await subscribe(intake, statuses_only.url("/h"), events=["status"])
        await subscribe(intake, theirs.url("/h"), role="ops-submitter")
        await submit(intake, f"std-{uid}")  # li.wei's latest request: marketing's
        at = datetime.now(UTC)
        changes = [
            StandingChanged(
                tenant="acme", subject_kind=kind, subject=who, standing=Standing.WARNED, at=at
            )
            for kind, who in (("requester", "li.wei"), ("department", "marketing"))
        ]
        await produce(
            intake.kafka,
            intake.topic("push.standing.v1"),
            [(f"acme:{c.subject_kind}:{c.subject}", c.model_dump_json().encode()) for c in changes],
        )
        await eventually(lambda: len(_standing(mine.seen, at)) == 2, what="both announced")
    announced = _standing(mine.seen, at)
    # two subjects: each in its own order, not one after the other
    assert {(b["data"]["subject_kind"], b["data"]["subject"]) for b in announced} == {
        ("requester", "li.wei"),
        ("department", "marketing"),
    }
    assert {(b["data"]["standing"], b["data"]["department"]) for b in announced} == {
        ("warned", "marketing")
    }
    assert _standing(statuses_only.seen, at) == _standing(theirs.seen, at) == []
    seen = next(s for s in mine.seen if _standing([s], at))
    assert verify(sub["secret"], seen.headers["herald-signature"], seen.body, int(time.time()))


def _standing(seen: list[Seen], at: datetime) -> list[dict[str, Any]]:
    bodies = [json.loads(s.body) for s in seen]
    return [
        b
        for b in bodies
        if b["type"] == "standing" and datetime.fromisoformat(b["data"]["at"]) == at
    ]


async def test_finished_deliveries_are_forgotten_after_the_retention(
    callback_intake: Intake, uid: str
) -> None:
    """Last in the module: it forgets every finished delivery of the module's database."""
    intake = callback_intake
    async with stub() as receiver:
        sub = await subscribe(intake, receiver.url("/h"), events=["status"])
        await submit(intake, f"old-{uid}")
        await eventually(lambda: _delivered(intake, sub["id"]), what="delivered")
    pool = await asyncpg.create_pool(intake.settings.database_url.get_secret_value())
    db = Database()
    db.attach(pool)
    try:
        outbox = PgOutbox(db)
        assert await outbox.purge(datetime.now(UTC) - timedelta(days=1)) == 0
        assert await outbox.purge(datetime.now(UTC) + timedelta(seconds=1)) >= 1
    finally:
        await pool.close()
    assert await deliveries(intake, sub["id"]) == []
