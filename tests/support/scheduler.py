"""Builders for scheduler tests: requests, recipients, envelopes, and a settable clock."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from herald.contracts import PushRequest, Recipient, Topic
from herald.contracts.internal import RequestEnvelope
from tests.support.fakes import FakeEventBus


@dataclass
class Clock:
    """A clock the test moves by hand: no real waiting."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def push_request(rid: str, audience: dict[str, Any], **over: Any) -> PushRequest:
    body: dict[str, Any] = {
        "request_id": rid,
        "tenant": "acme",
        "requester": {"department": "marketing", "user": "li.wei"},
        "goal": "g",
        "category": "marketing",
        "channels": ["app_push", "sms"],
        "content": {"title": "t", "body": "b"},
        "audience": audience,
        "labels": {"campaign": "c"},
    }
    body.update(over)
    return PushRequest.model_validate(body)


def envelope(request: PushRequest, at: datetime) -> RequestEnvelope:
    return RequestEnvelope(request=request, trace_id="trace-" + request.request_id, at=at)


def recipient(rid: str, tenant: str = "acme", **over: Any) -> Recipient:
    body: dict[str, Any] = {
        "recipient_id": rid,
        "tenant": tenant,
        "timezone": "Asia/Shanghai",
        "contacts": {
            "phone": "+8613800000000",
            "push_tokens": [{"platform": "fcm", "token": "tk"}],
        },
        "tags": ["vip"],
        "consent": {"marketing": True},
    }
    body.update(over)
    return Recipient.model_validate(body)


class Published:
    """What the scheduler under test published, as JSON (`events` is its fake bus)."""

    events: FakeEventBus

    def sends(self, rid: str | None = None, topic: Topic | None = None) -> list[dict[str, Any]]:
        """Sends on both send topics (bulk, then critical), or on `topic` only."""
        topics = [topic] if topic else [Topic.SENDS, Topic.SENDS_CRITICAL]
        out = [s for t in topics for p in self.events.on(t) for s in p.items()]
        return [s for s in out if rid is None or s["request_id"] == rid]

    def outcomes(self, rid: str | None = None) -> list[dict[str, Any]]:
        out = [o for p in self.events.on(Topic.OUTCOMES) for o in p.items()]
        return [o for o in out if rid is None or o["request_id"] == rid]

    def statuses(self, rid: str) -> list[dict[str, Any]]:
        return [p.json() for p in self.events.on(Topic.STATUS) if p.key == rid]
