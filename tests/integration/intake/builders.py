"""Push requests as a department would submit them."""

from typing import Any


def request_body(rid: str, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": rid,
        "tenant": "acme",
        "requester": {"department": "marketing", "user": "li.wei"},
        "goal": "Announce the winter sale",
        "category": "marketing",
        "channels": ["sms"],
        "content": {"title": "冬季特卖", "body": "会员专享 5 折起"},
        "audience": {"segment": {"tags_all": ["vip"]}},
        "labels": {"campaign": "winter"},
    }
    body.update(over)
    return body
