"""Shared parts of review's integration tests: keys, a clock, producing envelopes."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.kafka import produce

from herald.contracts import PushRequest
from herald.contracts.internal import CancelRequested, RequestEnvelope, Submitter
from herald.runtime.auth import hash_key

LI_WEI = Submitter(user="li.wei", department="marketing", credential="li-submitter", via="http")
"""Who submitted the test requests, as intake would say (its key is not review's concern)."""
KEYS = {
    "reviewer": ("acme", "reviewer", "zhang.san"),
    "self-reviewer": ("acme", "reviewer", "li.wei"),
    "viewer": ("acme", "viewer", "wang.wu"),
    "admin": ("acme", "admin", "boss"),
    "globex-reviewer": ("globex", "reviewer", "other"),
}


def write_keys(folder: Path) -> str:
    path = folder / "keys.json"
    keys = [
        {"id": name, "sha256": hash_key(f"key-{name}"), "tenant": t, "role": r, "user": u}
        for name, (t, r, u) in KEYS.items()
    ]
    path.write_text(json.dumps({"keys": keys}), encoding="utf-8")
    return str(path)


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer key-{name}"}


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def request(rid: str, body: str = "会员专享 5 折起，点击查看详情。", **over: Any) -> PushRequest:
    data: dict[str, Any] = {
        "request_id": rid,
        "tenant": "acme",
        "requester": {"department": "marketing", "user": "li.wei"},
        "goal": "g",
        "category": "notification",
        "channels": ["app_push"],
        "content": {"title": "冬季特卖", "body": body},
        "audience": {"recipients": ["u-1"]},
        **over,
    }
    return PushRequest.model_validate(data)


async def accept(
    kafka: str, prefix: str, *requests: PushRequest, submitter: Submitter | None = LI_WEI
) -> None:
    """Requests as intake passes them on (`submitter=None`: envelopes from before intake
    recorded who submitted)."""
    now = datetime.now(UTC)
    items: list[tuple[str | None, bytes | None]] = [
        (
            r.request_id,
            RequestEnvelope(request=r, trace_id="t", at=now, submitter=submitter)
            .model_dump_json()
            .encode(),
        )
        for r in requests
    ]
    await produce(kafka, prefix + "push.accepted.v1", items)


async def cancel(kafka: str, prefix: str, rid: str) -> None:
    event = CancelRequested(tenant="acme", request_id=rid, by="li.wei", at=datetime.now(UTC))
    await produce(kafka, prefix + "push.cancels.v1", [(rid, event.model_dump_json().encode())])
