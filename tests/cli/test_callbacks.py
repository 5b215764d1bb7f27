"""`heraldctl callbacks`: a department's callback follows a request through the whole
stack (every status, signed, in lifecycle order), its deliveries are listed, one is
replayed, another department cannot touch it, and it is removed."""

import json
import time
from pathlib import Path
from typing import Any

import pytest

from herald.devstack.stack import Stack
from herald.intake.callbacks.signing import verify
from tests.cli.cli import push_request
from tests.cli.conftest import Ctl
from tests.integration.dispatcher.stub import Seen, stub
from tests.support.stack import add_key
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
LIFECYCLE = [
    "accepted", "pending_review", "approved", "rejected", "scheduled", "dispatching",
    "completed", "cancelled", "expired",
]  # fmt: skip


def statuses(seen: list[Seen], rid: str) -> list[str]:
    bodies = [json.loads(s.body) for s in seen]
    return [b["data"]["status"] for b in bodies if b["data"].get("request_id") == rid]


async def test_a_callback_is_added_followed_replayed_and_removed_from_the_terminal(
    ctl: Ctl, stack: Stack, tmp_path: Path, uid: str
) -> None:
    async with stub() as receiver:
        added = await ctl("callbacks", "add", receiver.url("/cb"), "--event", "status", "--json")
        assert added.code == 0, added.err
        cb: dict[str, Any] = added.json()
        assert cb["department"] == f"dept-{uid}" and cb["secret"].startswith("whsec_")
        listed = await ctl("callbacks", "list")
        assert cb["id"] in listed.out and "active" in listed.out
        assert "whsec_" not in listed.out

        rid = f"cb-{uid}"
        request = tmp_path / "request.json"
        request.write_text(json.dumps(push_request(rid, uid)))
        assert (await ctl("submit", str(request))).code == 0
        await eventually(
            lambda: "completed" in statuses(receiver.seen, rid), timeout=60, what="completed"
        )
        got = statuses(receiver.seen, rid)
        assert got[0] == "accepted" and got[-1] == "completed"
        assert got == sorted(got, key=LIFECYCLE.index)  # in lifecycle order
        for seen in receiver.seen:
            assert verify(
                cb["secret"], seen.headers["herald-signature"], seen.body, int(time.time())
            )

        shown = await ctl("callbacks", "deliveries", cb["id"], "--json")
        found = shown.json()["deliveries"]
        assert {d["state"] for d in found} == {"delivered"} and len(found) == len(got)
        table = await ctl("callbacks", "deliveries", cb["id"])
        assert "delivered" in table.out and "200" in table.out

        add_key(stack, f"other-{uid}", "submitter", f"o-{uid}", f"other-{uid}")
        for role in (f"other-{uid}", "viewer"):
            refused = await ctl("callbacks", "replay", cb["id"], found[0]["id"], role=role)
            assert refused.code == 1
        theirs = await ctl("callbacks", "list", "--json", role=f"other-{uid}")
        assert cb["id"] not in [c["id"] for c in theirs.json()["callbacks"]]

        replayed = await ctl("callbacks", "replay", cb["id"], found[0]["id"])
        assert replayed.code == 0 and "due again" in replayed.out
        await eventually(
            lambda: len(statuses(receiver.seen, rid)) == len(got) + 1, what="the replay"
        )

    removed = await ctl("callbacks", "remove", cb["id"])
    assert removed.code == 0
    gone = await ctl("callbacks", "deliveries", cb["id"])
    assert gone.code == 1 and "not_found" in gone.err
