"""Recipient attributes in the directory: segments filter on them, sends carry the ones
their texts name."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.scheduler.harness import Harness
from tests.support.scheduler import push_request, recipient

pytestmark = pytest.mark.integration


async def test_a_segment_by_attributes_reaches_exactly_the_matching_recipients(
    h: Harness,
) -> None:
    await h.add(
        recipient("a-1", attributes={"city": "beijing", "tier": "gold", "name": "Li"}),
        recipient("a-2", attributes={"city": "shanghai", "tier": "gold", "name": "Wang"}),
        recipient("a-3", attributes={"city": "beijing", "tier": "silver"}),
        recipient("a-4", attributes={"city": "shenzhen", "tier": "gold"}),
        recipient("a-5"),  # no attributes: matches no attribute filter
        recipient("a-6", tags=["churned"], attributes={"city": "beijing", "tier": "gold"}),
    )
    seg = {
        "segment": {
            "tags_none": ["churned"],
            "attributes": {"city": ["beijing", "shanghai"], "tier": ["gold"]},
        }
    }
    content = {"title": "{{ recipient.attributes.name }}, 你好", "body": "b"}
    await h.plan(push_request("seg-1", seg, content=content))
    assert h.statuses("seg-1")[0]["counts"]["recipients"] == 2
    await h.release()
    sends = {s["recipient_id"]: s for s in h.sends("seg-1")}
    assert set(sends) == {"a-1", "a-2"}
    # only the attribute the title names travels with the send
    assert sends["a-1"]["attributes"] == {"name": "Li"}
    assert sends["a-2"]["attributes"] == {"name": "Wang"}


async def test_a_profile_replaced_without_attributes_loses_them(h: Harness) -> None:
    await h.add(recipient("b-1", attributes={"tier": "gold"}))
    assert (await h.stores.recipients.get("acme", "b-1")).attributes == {"tier": "gold"}  # type: ignore[union-attr]
    await h.add(recipient("b-1"))
    found = await h.stores.recipients.get("acme", "b-1")
    assert found is not None and found.attributes == {}
    assert await h.stores.recipients.get("globex", "b-1") is None  # another tenant's id


async def test_an_erased_recipient_s_waiting_send_is_released_as_suppressed_at_once(
    h: Harness,
) -> None:
    await h.add(recipient("e-1"), recipient("e-2"))
    later = h.clock().replace(year=h.clock().year + 1)
    await h.plan(push_request("later-1", {"all": True}, schedule={"send_at": later.isoformat()}))
    await h.directory.apply([("acme", "e-1", None)])
    h.clock.now = datetime.now(UTC) + timedelta(seconds=1)  # the erasure used Postgres's clock
    assert await h.release() == 1  # now, not next year
    assert [(o["recipient_id"], o["reason"]) for o in h.outcomes("later-1")] == [
        ("e-1", "no_contact")
    ]
    assert await h.timer("e-1") is None
    assert await h.timer("e-2") is not None
