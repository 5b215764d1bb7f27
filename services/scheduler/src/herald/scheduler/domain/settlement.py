"""What one claim of due timers turns into (pure): the sends and outcomes to publish, the
timers to move later, the cap usage the sends use up and the lanes' buckets after them.

Timers are decided in priority order, then by due time, so that under a cap or a rate
the more urgent send goes first.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from herald.contracts import Category, ReasonCode
from herald.contracts.internal import Outcome, OutcomeKind, RequestEnvelope, Send
from herald.scheduler.domain import caps
from herald.scheduler.domain.messages import outcome, send
from herald.scheduler.domain.model import Due, PlanKey, RecipientKey
from herald.scheduler.domain.pacing import Bucket, Budget, debited
from herald.scheduler.domain.policy import Policies
from herald.scheduler.domain.timing import timing_for
from herald.scheduler.domain.verdict import Verdict, capped, decide

_ENDS = {Verdict.SUPPRESS: OutcomeKind.SUPPRESSED, Verdict.EXPIRE: OutcomeKind.EXPIRED}

Usages = dict[RecipientKey, dict[str, caps.Usage]]


@dataclass(frozen=True, slots=True)
class Deferral:
    delivery_id: str
    due_at: datetime
    deferred: tuple[str, ...]


@dataclass
class Settlement:
    sends: list[Send] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    deferrals: list[Deferral] = field(default_factory=list)
    released: list[Due] = field(default_factory=list)
    usage: Usages = field(default_factory=dict)
    """Only the cap usage rows the sends changed."""
    lanes: list[Bucket] = field(default_factory=list)
    """The paced lanes' buckets after the sends."""
    counted: dict[str, tuple[str, date]] = field(default_factory=dict)
    """Delivery id -> the channel and day (recipient's) a capped send is counted on, so
    that its outcome can move the count to the channel really used (`recount`)."""

    @property
    def done(self) -> list[str]:
        """Delivery ids whose timers are finished (sent or ended)."""
        return [s.delivery_id for s in self.sends] + [o.delivery_id for o in self.outcomes]


def settle(
    due: Sequence[Due],
    envelopes: Mapping[PlanKey, RequestEnvelope],
    usage: Usages,
    budgets: Sequence[Budget],
    now: datetime,
    policies: Policies,
) -> Settlement:
    """`usage` holds the locked cap usage of the capped recipients (updated as sends are
    decided, so a second send to one recipient in the same claim sees the first)."""
    out = Settlement()
    decide_into(out, in_order(due), envelopes, usage, now, policies)
    return closed(out, budgets, now)


def in_order(due: Sequence[Due]) -> list[Due]:
    """The order timers are decided in: priority, then due time."""
    return sorted(due, key=lambda d: (-d.timer.priority, d.timer.due_at))


def decide_into(
    out: Settlement,
    ordered: Sequence[Due],
    envelopes: Mapping[PlanKey, RequestEnvelope],
    usage: Usages,
    now: datetime,
    policies: Policies,
) -> None:
    """Decide `ordered` (a part of `in_order`'s list, the parts in turn) into `out`:
    `settle` in slices, the same result as one call (the release loop gives the event
    loop back between them)."""
    for d in ordered:
        _decide(d, envelopes[(d.timer.tenant, d.timer.request_id)], usage, now, policies, out)


def closed(out: Settlement, budgets: Sequence[Budget], now: datetime) -> Settlement:
    """`out` once every timer is decided: the lanes' buckets debited by its sends."""
    used = Counter((d.timer.tenant, d.timer.lane) for d in out.released)
    out.lanes = debited(budgets, used, now)
    return out


def _decide(
    due: Due,
    env: RequestEnvelope,
    usage: Usages,
    now: datetime,
    policies: Policies,
    out: Settlement,
) -> None:
    t, policy = due.timer, policies.of(due.timer.tenant)
    mine = usage.get(due.key, {})
    noted = tuple(ReasonCode(r) for r in t.deferred) if t.deferred else ()
    d = decide(env.request, due.recipient, t.expires_at, noted, now, policy, mine)
    if d.verdict == Verdict.DEFER:
        assert d.due_at is not None
        out.deferrals.append(Deferral(t.delivery_id, d.due_at, d.deferred))
    elif d.verdict in _ENDS:
        kind = _ENDS[d.verdict]
        out.outcomes.append(
            outcome(env, t.delivery_id, t.recipient_id, kind, d.reason, now, d.deferred)
        )
    else:
        assert due.recipient is not None
        out.sends.append(
            send(env, t.delivery_id, due.recipient, d.channels, t.due_at, t.expires_at, d.deferred)
        )
        out.released.append(due)
        if due.key in usage:
            zone = timing_for(due.recipient.timezone, due.recipient.quiet_hours, policy).zone
            new = caps.record(policy.caps, mine, d.channels[0], now, zone)
            mine.update(new)
            out.usage.setdefault(due.key, {}).update(new)
            out.counted[t.delivery_id] = (str(d.channels[0]), now.astimezone(zone).date())


def capped_keys(due: Sequence[Due], policies: Policies) -> list[RecipientKey]:
    """The recipients whose cap usage a claim must lock before deciding."""
    return [d.key for d in due if capped(policies.of(d.timer.tenant), Category(d.timer.category))]
