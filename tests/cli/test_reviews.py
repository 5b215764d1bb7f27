"""`heraldctl reviews`: list the held requests, approve one, reject one with a note."""

import json
from pathlib import Path

import pytest

from tests.cli.cli import push_request
from tests.cli.conftest import Ctl
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


def held(rid: str, uid: str) -> dict[str, object]:
    """Marketing with a URL shortener: review holds it for a human."""
    return push_request(
        rid,
        uid,
        category="marketing",
        content={"title": "Winter sale", "body": "Up to 50% off: https://bit.ly/x"},
    )


async def test_reviewer_lists_approves_and_rejects_held_requests(
    ctl: Ctl, tmp_path: Path, uid: str
) -> None:
    keep, drop = f"keep-{uid}", f"drop-{uid}"
    file = tmp_path / "held.json"
    file.write_text(json.dumps([held(keep, uid), held(drop, uid)]))
    assert (await ctl("submit", str(file))).code == 0

    async def pending() -> set[str] | None:
        run = await ctl("reviews", "list", "--json", role="reviewer")
        ids = {r["request_id"] for r in run.json()["reviews"]}
        return ids if {keep, drop} <= ids else None

    await eventually(pending, timeout=30, interval=0.5, what="both requests pending review")
    listing = await ctl("reviews", "list", role="reviewer")
    assert listing.code == 0
    assert keep in listing.out and "unsafe_link" in listing.out
    assert f"user-{uid}" in listing.out  # the submitter, as their key says
    shown = await ctl("reviews", "show", keep, role="reviewer")
    assert f"user-{uid} (dept-{uid}), via http acme-submitter-{uid}" in shown.out

    approved = await ctl("reviews", "approve", keep, "--note", "shortener is ours", role="reviewer")
    assert approved.code == 0, approved.err
    assert "approved" in approved.out

    assert (await ctl("reviews", "reject", drop, role="reviewer")).code == 2  # a note is required
    rejected = await ctl(
        "reviews", "reject", drop, "--note", "no shortened links", "--json", role="reviewer"
    )
    assert rejected.code == 0, rejected.err
    assert rejected.json()["state"] == "rejected"

    again = await ctl("reviews", "approve", drop, role="reviewer")
    assert again.code == 1  # no longer pending: the service refuses
    assert "Not pending" in again.err

    status = await eventually(
        lambda: _status(ctl, drop, "rejected"), timeout=30, what="the rejected status"
    )
    assert status["reasons"][0]["code"] == "reviewer_rejected"
    assert status["reasons"][0]["message"] == "no shortened links"


async def _status(ctl: Ctl, rid: str, wanted: str) -> dict[str, object] | None:
    run = await ctl("status", rid, "--json", role="viewer")
    found: dict[str, object] = run.json()
    return found if found.get("status") == wanted else None
