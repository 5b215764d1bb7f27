"""Outcomes, statuses and engagement as the other services would send them."""

from datetime import UTC, datetime, timedelta
from typing import Any

from herald.contracts import Counts, Engagement, EngagementKind, Status, StatusKind
from herald.contracts.internal import Outcome, OutcomeKind

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def outcome(
    rid: str, i: int, kind: str = "delivered", *, at: datetime = NOW, **over: Any
) -> Outcome:
    body: dict[str, Any] = {
        "delivery_id": f"d-{rid}-{i}",
        "request_id": rid,
        "tenant": "acme",
        "department": "marketing",
        "recipient_id": f"u-{rid}-{i}",
        "outcome": OutcomeKind(kind),
        "channel": "sms" if kind in ("sent", "delivered", "failed") else None,
        "at": at + timedelta(milliseconds=i),
    }
    body.update(over)
    return Outcome.model_validate(body)


def scheduled(rid: str, recipients: int, tenant: str = "acme") -> Status:
    return Status(
        request_id=rid,
        tenant=tenant,
        status=StatusKind.SCHEDULED,
        at=NOW,
        counts=Counts(recipients=recipients),
        labels={"campaign": "winter"},
    )


def event(
    rid: str, i: int, kind: str, n: int = 0, *, at: datetime = NOW, url: str | None = None
) -> Engagement:
    return Engagement(
        event_id=f"e-{rid}-{i}-{kind}-{n}",
        delivery_id=f"d-{rid}-{i}",
        kind=EngagementKind(kind),
        at=at + timedelta(seconds=30),
        url=url,
    )
