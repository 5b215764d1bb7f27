"""What running a send can come to: done (with its Outcome), or later (parked, with progress)."""

from dataclasses import dataclass
from datetime import datetime

from herald.contracts import Channel, ReasonCode
from herald.contracts.internal import Outcome, OutcomeKind, Send


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a send is on its routes; stored with a parked retry."""

    route: int = 0
    attempt: int = 0
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Done:
    outcome: Outcome
    dead: tuple[tuple[Channel, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Later:
    send: Send
    progress: Progress
    not_before: datetime
    dead: tuple[tuple[Channel, str], ...] = ()


def outcome(
    send: Send,
    kind: OutcomeKind,
    at: datetime,
    *,
    channel: Channel | None = None,
    provider: str | None = None,
    reason: ReasonCode | None = None,
    detail: str = "",
) -> Outcome:
    return Outcome(
        delivery_id=send.delivery_id,
        request_id=send.request_id,
        tenant=send.tenant,
        department=send.department,
        recipient_id=send.recipient_id,
        outcome=kind,
        channel=channel,
        provider=provider,
        reason=reason,
        detail=detail[:2000],
        at=at,
        trace_id=send.trace_id,
        deferred=send.deferred,
    )
