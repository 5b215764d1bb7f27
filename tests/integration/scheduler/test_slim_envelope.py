"""A plan keeps its request without the audience's id list (issue 17.5): releases and
cancels read the envelope for every batch, and 100,000 ids would be megabytes each time.
Expansion still reads the ids from the approved request itself, also when it resumes."""

import pytest

from herald.contracts.internal import CancelRequested
from tests.integration.scheduler.harness import Harness
from tests.support.scheduler import envelope, push_request, recipient

pytestmark = pytest.mark.integration

KEPT_IDS = """SELECT envelope->'request'->'audience' ? 'recipients' FROM scheduler.plans
              WHERE request_id = $1"""


async def test_an_id_list_resumed_after_a_crash_is_sent_once_each_and_not_kept(
    h: Harness,
) -> None:
    ids = [f"e-{i:04}" for i in range(1200)]
    await h.add(*[recipient(i) for i in ids])
    req = push_request("slim-1", {"recipients": ids}, category="notification")
    real, done = h.planner._chunk_done, 0

    async def crash_after_one(*args: object) -> str | None:
        nonlocal done
        if done == 1:
            raise RuntimeError("killed")
        done += 1
        return await real(*args)  # type: ignore[arg-type]

    h.planner._chunk_done = crash_after_one  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        await h.plan(req)
    h.planner._chunk_done = real  # type: ignore[method-assign]
    await h.plan(req)  # the redelivery
    await h.plan(req)

    assert await h.release() == 1200
    sent = [s["recipient_id"] for s in h.sends("slim-1")]
    assert sorted(sent) == ids
    assert [s["status"] for s in h.statuses("slim-1")] == ["scheduled", "dispatching"]
    assert await h.pool.fetchval(KEPT_IDS, "slim-1") is False


async def test_a_cancel_reads_the_kept_envelope_and_ends_each_recipient_once(h: Harness) -> None:
    ids = [f"k-{i}" for i in range(5)]
    await h.add(*[recipient(i) for i in ids])
    later = h.clock().replace(year=2027)
    req = push_request("slim-2", {"recipients": ids}, schedule={"send_at": later.isoformat()})
    await h.plan(req)
    event = CancelRequested(tenant="acme", request_id="slim-2", by="li.wei", at=h.clock())
    await h.canceller.cancel(event)
    await h.canceller.cancel(event)  # redelivered

    outcomes = h.outcomes("slim-2")
    assert sorted(o["recipient_id"] for o in outcomes) == ids
    assert {o["outcome"] for o in outcomes} == {"cancelled"}
    assert {o["department"] for o in outcomes} == {"marketing"}


async def test_a_plan_kept_with_its_ids_before_is_read_without_them(h: Harness) -> None:
    req = push_request("slim-3", {"recipients": [f"o-{i}" for i in range(50)]})
    env = envelope(req, h.clock())
    await h.pool.execute(
        """INSERT INTO scheduler.plans (tenant, request_id, state, envelope, complete)
           VALUES ('acme', 'slim-3', 'scheduled', $1, true)""",
        env.model_dump(mode="json"),
    )
    [read] = (await h.stores.plans.envelopes([("acme", "slim-3")])).values()
    assert read.request.audience.recipients is None
    assert read.model_dump(exclude={"request": {"audience"}}) == env.model_dump(
        exclude={"request": {"audience"}}
    )
