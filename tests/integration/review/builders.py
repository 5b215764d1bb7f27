"""Push requests, and the accepted requests and cancels intake would publish to review."""

from datetime import UTC, datetime
from typing import Any

from tests.support.kafka import produce

from herald.contracts import PushRequest
from herald.contracts.internal import CancelRequested, RequestEnvelope


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


async def accept(kafka: str, prefix: str, *requests: PushRequest) -> None:
    now = datetime.now(UTC)
    items: list[tuple[str | None, bytes | None]] = [
        (r.request_id, RequestEnvelope(request=r, trace_id="t", at=now).model_dump_json().encode())
        for r in requests
    ]
    await produce(kafka, prefix + "push.accepted.v1", items)


async def cancel(kafka: str, prefix: str, rid: str) -> None:
    event = CancelRequested(tenant="acme", request_id=rid, by="li.wei", at=datetime.now(UTC))
    await produce(kafka, prefix + "push.cancels.v1", [(rid, event.model_dump_json().encode())])
