"""`heraldctl dlq`: list dead letters and replay one to its source topic."""

from collections.abc import Awaitable

import pytest

from herald.devstack.stack import Stack
from tests.cli.conftest import Ctl
from tests.support.kafka import produce
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


async def test_a_dead_letter_is_listed_and_replayed_to_its_source_topic(
    ctl: Ctl, stack: Stack, uid: str
) -> None:
    key = f"broken-{uid}"
    source = stack.topic_prefix + "push.requests.v1"
    await produce(stack.bootstrap, source, [(key, b"{not json " + uid.encode())])

    async def letters() -> list[dict[str, object]] | None:
        run = await ctl("dlq", "list", "--limit", "1000", "--since", "1h", "--json", role="admin")
        found = [d for d in run.json()["dead_letters"] if d.get("key") == key]
        return found or None

    [letter] = await eventually(letters, timeout=30, interval=0.5, what="the dead letter")
    assert letter["source_topic"] == source
    assert letter["service"] == "intake"
    assert letter["error"] == "invalid_request"

    table = await ctl("dlq", "list", role="admin")
    assert table.code == 0
    assert str(letter["id"]) in table.out and key in table.out

    replay = await ctl("dlq", "replay", "--id", str(letter["id"]), "--json", role="admin")
    assert replay.code == 0, replay.err
    [done] = replay.json()["replayed"]
    assert done["topic"] == source and done["key"] == key

    # still broken, so intake dead-letters the replayed copy again: same key and bytes, and
    # the original producer's signature (kept in the letter's headers) still verifies
    twice = await eventually(
        lambda: _two(letters()), timeout=30, interval=0.5, what="the replay dead-lettered"
    )
    assert twice[0]["value_base64"] == twice[1]["value_base64"]
    assert twice[1]["error"] == "invalid_request"
    assert twice[1]["headers"] == twice[0]["headers"]
    assert twice[1]["offset"] != twice[0]["offset"]

    missing = await ctl("dlq", "replay", "--id", "0:999999999", role="admin")
    assert missing.code == 1
    assert "nothing was replayed" in missing.err


async def _two(
    query: Awaitable[list[dict[str, object]] | None],
) -> list[dict[str, object]] | None:
    found = await query
    return found if found and len(found) >= 2 else None
