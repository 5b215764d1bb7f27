"""Dry runs that tell the truth, over the real stack: a paced lane's backlog decides when
the last send goes, a recipient's cap counts what another pending request will have sent
by then, and a sampled audience says which figures are extrapolated.

The other requests are submitted for real (intake, review, the scheduler's planner) for
tomorrow, so their sends wait in the scheduler's timers while the dry runs look at them.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.dryrun.harness import RATE, SAMPLE, DryRunStack, request_body
from tests.support.scheduler import recipient
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def tomorrow(hour: int) -> datetime:
    day = datetime.now(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def submit(stack: DryRunStack, body: dict[str, Any]) -> None:
    r = await stack.intake.post("/v1/requests", json=body, headers=stack.as_())
    assert r.status_code == 202, r.text


async def test_a_paced_lane_with_a_backlog_puts_the_last_send_after_it(
    stack: DryRunStack, uid: str
) -> None:
    at = tomorrow(9)
    queued = [
        recipient(f"u{uid}-q{i:03}", contacts={"email": f"q{i}@example.com"}) for i in range(200)
    ]
    mine = [recipient(f"u{uid}-m{i}", contacts={"email": f"m{i}@example.com"}) for i in range(10)]
    await stack.directory([*queued, *mine])
    schedule = {"send_at": at.isoformat()}
    notice = {"category": "notification", "channels": ["email"], "schedule": schedule}
    backlog = request_body(
        f"backlog-{uid}", uid, {"recipients": [p.recipient_id for p in queued]}, **notice
    )
    await submit(stack, backlog)
    ours = request_body(
        f"ours-{uid}", uid, {"recipients": [p.recipient_id for p in mine]}, **notice
    )

    async def planned() -> dict[str, Any] | None:
        plan = (await stack.dry_run(ours)).json()["schedule"]
        lanes = plan["pacing"]["lanes"]
        return plan if lanes and lanes[0]["backlog"] == 200 else None

    plan = await eventually(planned, timeout=60, interval=0.5, what="the backlog planned")

    # A full bucket (RATE sends) at 09:00, then RATE a second: 210 sends, ours last
    [lane] = plan["pacing"]["lanes"]
    assert (lane["channel"], lane["rate"], lane["ahead"], lane["sends"]) == ("email", RATE, 200, 10)
    expected = at + timedelta(seconds=(210 - RATE) / RATE)
    assert abs(when(plan["pacing"]["last_send"]) - expected) < timedelta(milliseconds=5)
    assert abs(when(lane["last"]) - expected) < timedelta(milliseconds=5)
    assert when(plan["spread"]["last"]) == when(plan["pacing"]["last_send"])
    assert abs(when(lane["first"]) - (expected - timedelta(seconds=9 / RATE))) < timedelta(
        milliseconds=5
    )

    late = {"send_at": at.isoformat(), "expires_at": (at + timedelta(seconds=5)).isoformat()}
    plan = (await stack.dry_run(ours | {"schedule": late})).json()["schedule"]
    assert plan["would_send"] == 0
    assert plan["expired_by"] == {"timing": 0, "pacing": 10}

    urgent = (await stack.dry_run(ours | {"priority": "high"})).json()["schedule"]
    assert when(urgent["pacing"]["last_send"]) == at  # ahead of the backlog, in the bucket
    assert urgent["pacing"]["lanes"][0]["ahead"] == 0


async def test_a_capped_recipient_is_deferred_by_what_another_request_will_have_sent(
    stack: DryRunStack, uid: str
) -> None:
    person = recipient(f"u{uid}-busy", timezone="UTC")
    await stack.directory([person])
    audience = {"recipients": [person.recipient_id]}
    other = request_body(
        f"other-{uid}", uid, audience, schedule={"send_at": tomorrow(10).isoformat()}
    )
    await submit(stack, other)
    after = request_body(
        f"after-{uid}", uid, audience, schedule={"send_at": tomorrow(12).isoformat()}
    )

    async def capped() -> dict[str, Any] | None:
        plan = (await stack.dry_run(after)).json()["schedule"]
        return plan if plan["deferred"]["frequency_capped"] else None

    plan = await eventually(capped, timeout=60, interval=0.5, what="the other request planned")

    assert plan["would_send"] == 1
    assert when(plan["spread"]["last"]) == tomorrow(0) + timedelta(days=1)  # the next day
    before = request_body(
        f"before-{uid}", uid, audience, schedule={"send_at": tomorrow(8).isoformat()}
    )
    plan = (await stack.dry_run(before)).json()["schedule"]
    assert plan["deferred"]["frequency_capped"] == 0  # it goes first; the other would wait
    assert when(plan["spread"]["last"]) == tomorrow(8)


async def test_a_sampled_audience_says_which_figures_are_extrapolated(
    stack: DryRunStack, uid: str
) -> None:
    tag = f"many-{uid}"
    await stack.directory([recipient(f"u{uid}-s{i:03}", tags=[tag]) for i in range(90)])
    few = [f"u{uid}-s00{i}" for i in range(3)]

    big = await stack.dry_run(request_body(f"big-{uid}", uid, {"segment": {"tags_all": [tag]}}))
    small = await stack.dry_run(request_body(f"small-{uid}", uid, {"recipients": few}))

    answer = big.json()
    plan = answer["schedule"]
    timed = plan["timed"]
    assert 0 < timed <= SAMPLE + SAMPLE // 10
    assert plan["sample"] == {"timed": timed, "reachable": 90, "share": round(timed / 90, 4)}
    assert plan["figures"]["audience"] == plan["figures"]["reachable"] == "exact"
    assert plan["figures"]["would_send"] == plan["figures"]["pacing.last_send"] == "extrapolated"
    assert answer["sample"] == plan["sample"]
    assert answer["figures"]["schedule.audience"] == "exact"
    assert answer["figures"]["schedule.would_send"] == "extrapolated"
    assert answer["figures"]["schedule.suppressed.no_contact"] == "exact"
    assert plan["would_send"] == 90

    exact = small.json()
    assert exact["sample"] is None
    assert exact["figures"]
    assert set(exact["figures"].values()) == {"exact"}
