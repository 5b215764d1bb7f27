"""What running a send can come to: done (with its Outcome), or later (parked, with progress)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from herald.contracts import Channel, ReasonCode
from herald.contracts.internal import ContactInvalidated, Outcome, OutcomeKind, Send


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


# deliberate declaration: an Outcome is its send's ids, field by field, and what happened
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
    """Built without validation: every field comes from a send validated at the edge or
    is one of the dispatcher's own typed values (what `model_construct` does, without its
    walk over the fields' aliases and defaults: every field is given)."""
    made = Outcome.__new__(Outcome)
    values = {
        "delivery_id": send.delivery_id,
        "request_id": send.request_id,
        "tenant": send.tenant,
        "department": send.department,
        "recipient_id": send.recipient_id,
        "outcome": kind,
        "channel": channel,
        "provider": provider,
        "reason": reason,
        "detail": detail[:2000],
        "at": at,
        "trace_id": send.trace_id,
        "deferred": send.deferred,
    }
    _set(made, "__dict__", values)
    _set(made, "__pydantic_fields_set__", _EVERY)
    _set(made, "__pydantic_extra__", None)
    _set(made, "__pydantic_private__", None)
    return made


_set = object.__setattr__
_EVERY = set(Outcome.model_fields)
"""Every field is set: one set shared by every outcome (frozen models never change it)."""


def dead_contacts(results: Sequence[Done | Later], at: datetime) -> list[ContactInvalidated]:
    """The contacts providers said are dead (unregistered push tokens), to be forgotten."""
    found: list[ContactInvalidated] = []
    for r in results:
        tenant, rid = (
            (r.outcome.tenant, r.outcome.recipient_id)
            if isinstance(r, Done)
            else (r.send.tenant, r.send.recipient_id)
        )
        found += [
            ContactInvalidated(
                tenant=tenant,
                recipient_id=rid or "",
                channel=channel,
                contact=contact,
                reason="provider_unregistered",
                at=at,
            )
            for channel, contact in r.dead
        ]
    return found
