"""Sends as the scheduler would publish them, and the link keys tests sign with."""

from datetime import UTC, datetime
from typing import Any

from herald.contracts.internal import Send
from herald.runtime.links import LinkSigner

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SIGNER = LinkSigner({"k1": b"secret-one"})


def send(did: str = "d-1", channels: tuple[str, ...] = ("sms",), **over: Any) -> Send:
    body: dict[str, Any] = {
        "delivery_id": did,
        "request_id": "r-1",
        "tenant": "acme",
        "department": "mkt",
        "recipient_id": "u-1",
        "category": "notification",
        "priority": "normal",
        "channels": channels,
        "contacts": {
            "phone": "+8613800000000",
            "email": "li@example.com",
            "webhook": "https://hooks.example.com/u-1",
            "push_tokens": [{"platform": "fcm", "token": "tok-1"}],
        },
        "content": {"title": "Sale", "body": "Half price https://shop.example.com/w now"},
        "due_at": T0.isoformat(),
    }
    body.update(over)
    return Send.model_validate(body)
