"""Frequency caps count the channel a send really used (the dispatcher's outcome), once
however often the outcome arrives: on the real Postgres, and as a service on the broker."""

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from herald.contracts import Channel
from herald.contracts.internal import Outcome, OutcomeKind
from herald.scheduler.main import create_app
from tests.integration.scheduler.harness import Harness, approve, payloads, policies, settings
from tests.support.kafka import TopicWatcher, produce
from tests.support.scheduler import push_request, recipient
from tests.support.service import create_topics, new_prefix, running
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
PER_CHANNEL = {"channels": {"app_push": {"per_day": 1}, "sms": {"per_day": 1}}}


def used(send: dict[str, Any], channel: Channel, kind: OutcomeKind = OutcomeKind.SENT) -> Outcome:
    return Outcome(
        delivery_id=send["delivery_id"],
        request_id=send["request_id"],
        tenant=send["tenant"],
        department=send["department"],
        recipient_id=send["recipient_id"],
        outcome=kind,
        channel=channel,
        provider="log",
        at=datetime.now(UTC),
    )


async def test_a_fallback_send_counts_on_the_channel_used_once(make: Callable[..., Any]) -> None:
    h: Harness = await make(policies(caps=PER_CHANNEL))
    await h.add(recipient("cf-1"))
    await h.plan(push_request("cf-a", {"all": True}))
    await h.release()
    [first] = h.sends("cf-a")
    assert await h.caps("cf-1") == {"*": 0, "app_push": 1}  # planned: app_push
    fell_back = used(first, Channel.SMS)
    assert await h.recounter.on_outcomes([fell_back]) == 1
    assert await h.recounter.on_outcomes([fell_back, fell_back]) == 0  # redelivered
    assert await h.caps("cf-1") == {"*": 0, "app_push": 0, "sms": 1}
    # the next push of the day may go by app push (unused), not by SMS (used up)
    await h.plan(push_request("cf-b", {"all": True}))
    await h.release()
    [second] = h.sends("cf-b")
    assert second["channels"] == ["app_push"]


async def test_outcomes_on_the_planned_channel_or_failed_change_nothing(
    make: Callable[..., Any],
) -> None:
    h: Harness = await make(policies(caps=PER_CHANNEL))
    await h.add(recipient("cf-2"), recipient("cf-3"))
    await h.plan(push_request("cf-c", {"all": True}))
    await h.release()
    by = {s["recipient_id"]: s for s in h.sends("cf-c")}
    outcomes = [
        used(by["cf-2"], Channel.APP_PUSH, OutcomeKind.DELIVERED),
        used(by["cf-3"], Channel.SMS, OutcomeKind.FAILED),
    ]
    assert await h.recounter.on_outcomes(outcomes) == 0
    assert await h.caps("cf-2") == await h.caps("cf-3") == {"*": 0, "app_push": 1}


async def test_uncapped_sends_are_not_recounted(h: Harness) -> None:
    await h.add(recipient("cf-4"))
    await h.plan(push_request("cf-d", {"all": True}))
    await h.release()
    [send] = h.sends("cf-d")
    assert await h.recounter.on_outcomes([used(send, Channel.SMS)]) == 0
    assert await h.caps("cf-4") == {}


async def test_concurrent_copies_of_one_outcome_move_the_count_once(
    make: Callable[..., Any],
) -> None:
    a: Harness = await make(policies(caps=PER_CHANNEL))
    b: Harness = await make(policies(caps=PER_CHANNEL))
    await a.add(recipient("cf-5"))
    await a.plan(push_request("cf-e", {"all": True}))
    await a.release()
    [send] = a.sends("cf-e")
    moved = await asyncio.gather(
        a.recounter.on_outcomes([used(send, Channel.SMS)]),
        b.recounter.on_outcomes([used(send, Channel.SMS)]),
    )
    assert sorted(moved) == [0, 1]
    assert await a.caps("cf-5") == {"*": 0, "app_push": 0, "sms": 1}


async def test_service_moves_the_cap_when_the_dispatchers_outcome_arrives(
    kafka: str, database_url: str, uid: str
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    sends = await TopicWatcher(kafka, prefix + "push.sends.v1").start()
    rid = f"cs{uid}"
    policy = json.dumps({"default": {"caps": PER_CHANNEL}})
    app = create_app(settings(kafka, database_url, prefix, scheduler_policy_json=policy))
    try:
        async with running(app):
            who = recipient(rid)
            await produce(
                kafka, prefix + "push.recipients.v1", [(rid, who.model_dump_json().encode())]
            )
            conn = await asyncpg.connect(database_url)
            try:
                await eventually(
                    lambda: conn.fetchval(
                        "SELECT count(*) = 1 FROM scheduler.recipients WHERE recipient_id = $1",
                        rid,
                    ),
                    what="the recipient",
                )
                request = push_request(f"r-{uid}", {"recipients": [rid]})
                await approve(kafka, prefix, request, datetime.now(UTC))
                [send] = await eventually(lambda: payloads(sends.seen), what="the send")
                out = used(send, Channel.SMS).model_dump_json().encode()
                # the outcome twice, as a redelivery would bring it
                await produce(kafka, prefix + "push.outcomes.v1", [(send["delivery_id"], out)] * 2)

                async def counts() -> dict[str, int]:
                    rows = await conn.fetch(
                        "SELECT scope, sent FROM scheduler.caps WHERE recipient_id = $1", rid
                    )
                    return {r["scope"]: r["sent"] for r in rows}

                await eventually(
                    lambda: _is(counts(), {"*": 0, "app_push": 0, "sms": 1}),
                    what="the cap counted on sms",
                )
            finally:
                await conn.close()
    finally:
        await sends.stop()


async def _is(found: Any, want: dict[str, int]) -> bool:
    return bool(await found == want)
