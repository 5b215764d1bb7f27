"""Push requests for review's tests: a clean notification, changed where a test says."""

from datetime import UTC, datetime
from typing import Any

from herald.contracts import PushRequest
from herald.contracts.internal import RequestEnvelope, Submitter

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def request_dict(rid: str = "r-1", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": rid,
        "tenant": "acme",
        "requester": {"department": "marketing", "user": "li.wei"},
        "goal": "tell customers",
        "category": "notification",
        "channels": ["app_push"],
        "content": {"title": "冬季特卖今晚开始", "body": "会员专享 5 折起，点击查看详情。"},
        "audience": {"recipients": ["u-1"]},
    }
    body.update(over)
    return body


def push(rid: str = "r-1", *, content: dict[str, Any] | None = None, **over: Any) -> PushRequest:
    body = request_dict(rid, **over)
    body["content"] = {**body["content"], **(content or {})}
    return PushRequest.model_validate(body)


LI_WEI = Submitter(user="li.wei", department="marketing", credential="acme-submitter", via="http")


def envelope(
    request: PushRequest, at: datetime = NOW, submitter: Submitter | None = None
) -> RequestEnvelope:
    """Without a submitter: an envelope from before intake recorded one."""
    return RequestEnvelope(request=request, trace_id="trace-1", at=at, submitter=submitter)
