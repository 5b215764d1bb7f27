"""Engagement only the tenant can write, on a real Postgres: an event counts only for a
delivery of the tenant it is reported by, held events never cross tenants, and event ids
are unique per tenant."""

from typing import Any

import pytest

from herald.contracts import Engagement
from herald.tracker.domain.report import build_report
from tests.integration.tracker.conftest import Ledgered
from tests.integration.tracker.factories import event, outcome

pytestmark = pytest.mark.integration


def claimed(e: Engagement, tenant: str | None) -> Engagement:
    return e.model_copy(update={"tenant": tenant})


async def report(h: Ledgered, rid: str, recipients: int = 3) -> dict[str, Any]:
    rows, deferrals = await h.ledger.report_rows("acme", rid)
    return build_report(recipients, rows, deferrals).as_json()


async def test_an_event_claiming_another_tenant_s_delivery_is_refused_and_counts_nothing(
    ledgered: Ledgered, uid: str
) -> None:
    h = ledgered
    await h.tracker.on_outcomes([outcome(uid, i, "sent") for i in range(3)])
    forged = [claimed(event(uid, 0, "clicked"), "globex"), claimed(event(uid, 1, "read"), "globex")]
    refused = await h.tracker.on_engagement(forged)
    assert {(r.event_id, r.claimed) for r in refused} == {(e.event_id, "globex") for e in forged}
    assert (
        await h.value(
            "SELECT count(*) FROM tracker.engagement WHERE delivery_id LIKE $1", f"d-{uid}-%"
        )
        == 0
    )
    before = await report(h, uid)
    assert (before["delivered"], before["clicked"], before["read"]) == (0, 0, 0)

    assert await h.tracker.on_engagement([claimed(event(uid, 0, "clicked"), "acme")]) == []
    assert (await report(h, uid))["clicked"] == 1


async def test_an_event_for_a_delivery_not_known_yet_counts_only_for_its_own_tenant(
    ledgered: Ledgered, uid: str
) -> None:
    h = ledgered
    early = [
        claimed(event(uid, 0, "clicked"), "globex"),  # guessed ahead of the delivery
        claimed(event(uid, 1, "read"), "acme"),
        claimed(event(uid, 2, "opened"), None),  # Herald's own (a signed pixel)
    ]
    assert await h.tracker.on_engagement(early) == []  # held: nobody knows the owner yet
    await h.tracker.on_outcomes([outcome(uid, i, "sent") for i in range(3)])
    after = await report(h, uid)
    assert (after["clicked"], after["read"], after["opened"], after["delivered"]) == (0, 1, 2, 2)


async def test_an_event_id_taken_first_by_another_tenant_does_not_stop_the_real_one(
    ledgered: Ledgered, uid: str
) -> None:
    h = ledgered
    await h.tracker.on_outcomes([outcome(uid, 0, "sent")])
    real = claimed(event(uid, 0, "read"), "acme")
    squatter = real.model_copy(update={"tenant": "globex", "delivery_id": f"d-{uid}-nowhere"})
    assert await h.tracker.on_engagement([squatter]) == []
    assert await h.tracker.on_engagement([real]) == []
    assert (await report(h, uid, 1))["read"] == 1
    await h.tracker.on_engagement([real, squatter])  # redelivered: still once each
    rows = await h.fetch(
        "SELECT tenant FROM tracker.engagement_ids WHERE event_id = $1", real.event_id
    )
    assert sorted(r["tenant"] for r in rows) == ["acme", "globex"]
