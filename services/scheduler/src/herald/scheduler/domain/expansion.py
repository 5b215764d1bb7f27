"""One chunk of an audience into timers and outcomes (pure: no I/O, no clock)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from herald.contracts import QuietHours
from herald.contracts.critical import is_critical
from herald.contracts.internal import Outcome, OutcomeKind, RequestEnvelope
from herald.scheduler.domain import PRIORITY_RANK, delivery_id, plan_time
from herald.scheduler.domain.messages import outcome
from herald.scheduler.domain.model import Member, Timer
from herald.scheduler.domain.pacing import lane_for
from herald.scheduler.domain.policy import TenantPolicy
from herald.scheduler.domain.timing import Planned, timing_for

_TimedBy = tuple[str | None, QuietHours | None, int | None]
"""What a recipient's planned time depends on, besides the request's: zone, quiet hours
and best hour."""


@dataclass
class Expanded:
    timers: list[Timer] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    def cancel(self, env: RequestEnvelope, at: datetime) -> "Expanded":
        """The same chunk once the request is cancelled: timers become `cancelled`."""
        stopped = [
            outcome(env, t.delivery_id, t.recipient_id, OutcomeKind.CANCELLED, None, at, t.deferred)
            for t in self.timers
        ]
        return Expanded([], [*self.outcomes, *stopped])


def expand(
    env: RequestEnvelope,
    members: Sequence[Member],
    now: datetime,
    policy: TenantPolicy,
    best_hours: Mapping[str, int],
    id_key: bytes,
) -> Expanded:
    """`id_key` keys the delivery ids (see `delivery_id`)."""
    req = env.request
    out = Expanded()
    expires = req.schedule.expires_at if req.schedule else None
    critical = is_critical(req.category, req.priority)
    # planned times by what they depend on per recipient: a chunk's recipients share a
    # few zones and quiet hours, so each is worked out once a chunk (issue 17)
    timed: dict[_TimedBy, tuple[Planned, tuple[str, ...]]] = {}
    for m in members:
        did = delivery_id(id_key, req.tenant, req.request_id, m.recipient_id)
        if m.reason is not None:
            out.outcomes.append(
                outcome(env, did, m.recipient_id, OutcomeKind.SUPPRESSED, m.reason, now)
            )
            continue
        best = best_hours.get(m.recipient_id)
        found = timed.get((m.timezone, m.quiet_hours, best))
        if found is None:
            timing = timing_for(m.timezone, m.quiet_hours, policy, best)
            planned = plan_time(req.schedule, req.category, now, timing, policy)
            found = timed[m.timezone, m.quiet_hours, best] = (
                planned,
                tuple(str(r) for r in planned.deferred),
            )
        planned, deferred = found
        if planned.expired:
            out.outcomes.append(
                outcome(
                    env, did, m.recipient_id, OutcomeKind.EXPIRED, "expired", now, planned.deferred
                )
            )
            continue
        out.timers.append(
            Timer(
                did,
                req.tenant,
                req.request_id,
                m.recipient_id,
                planned.due_at,
                expires,
                PRIORITY_RANK[req.priority],
                str(req.category),
                lane_for(m.channels[0], critical),
                deferred,
            )
        )
    return out
