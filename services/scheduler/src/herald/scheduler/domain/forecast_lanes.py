"""The dry run's sends run through their lanes (pure), as releases would take them.

Per lane (the request's tenant and a channel): the lane's bucket as stored, the sends
already queued in it (other requests' timers, by priority and due time), and this
request's planned sends, drained at the policy's rate (`queueing.drain`). When a send's
turn comes it is judged as a release would judge it then: past `expires_at` it ends
`expired` (the pacing made it late), else the frequency caps decide with usage as it
will stand at that instant (`outlook`): send, suppress, or defer and queue again.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from herald.contracts import PushRequest
from herald.scheduler.domain import PRIORITY_RANK
from herald.scheduler.domain.forecast import End, Item
from herald.scheduler.domain.outlook import QueuedSend, counted, usage_at
from herald.scheduler.domain.pacing import Bucket, available
from herald.scheduler.domain.policy import TenantPolicy
from herald.scheduler.domain.queueing import DROP, GO, Job, Turn, drain
from herald.scheduler.domain.verdict import Verdict, capped, within_caps


@dataclass(frozen=True, slots=True)
class Backlog:
    """Sends queued in a lane: `sends` timers of one priority due at one instant."""

    lane: str
    priority: int
    due_at: datetime
    sends: int


@dataclass(frozen=True, slots=True)
class LaneForecast:
    lane: str
    rate: float | None
    backlog: int
    """Sends queued in the lane now (exact)."""
    ahead: float | None
    """Of those, how many would go before this request's last send in the lane (None:
    unpaced, the backlog holds nothing up)."""


@dataclass(frozen=True, slots=True)
class Lanes:
    """What the dry run read about the lanes its sends use."""

    buckets: Mapping[str, Bucket]
    backlog: Sequence[Backlog]
    queued: Mapping[str, Sequence[QueuedSend]]
    """Other requests' sends waiting for each timed recipient (for the caps)."""


def run_lanes(
    req: PushRequest,
    policy: TenantPolicy,
    now: datetime,
    items: Sequence[Item],
    lanes: Lanes,
    weight: float,
) -> list[LaneForecast]:
    """Drain each lane the `items` use; each item gets its `end`, `first` and `last`."""
    out = []
    for lane in sorted({i.lane for i in items if i.end is None}):
        mine = [i for i in items if i.lane == lane and i.end is None]
        queued = [b for b in lanes.backlog if b.lane == lane]
        out.append(_lane(req, policy, now, lane, mine, queued, lanes, weight))
    return out


def _lane(
    req: PushRequest,
    policy: TenantPolicy,
    now: datetime,
    lane: str,
    mine: list[Item],
    queued: list[Backlog],
    lanes: Lanes,
    weight: float,
) -> LaneForecast:
    rate = policy.rate(lane)
    tokens, jobs = 0.0, list[Job]()
    if rate is not None:  # an unpaced lane sends each at its time: its backlog is no matter
        bucket = lanes.buckets.get(lane)
        saved, since = (bucket.tokens, bucket.refilled_at) if bucket else (rate, now)
        tokens = available(rate, saved, since, now)
        jobs = [Job(b.priority, max(b.due_at, now).timestamp(), b.sends) for b in queued]
    prio = PRIORITY_RANK[req.priority]
    jobs += [Job(prio, i.due_at.timestamp(), weight, key=k) for k, i in enumerate(mine)]
    judge = _Judge(req, policy, mine, lanes.queued, now)
    drained = drain(rate, tokens, now.timestamp(), jobs, judge)
    for job, finished in drained.done:
        assert job.key is not None
        assert job.first is not None
        item = mine[job.key]
        item.end, item.first, item.last = End.SENT, _at(job.first), _at(finished)
    total = sum(b.sends for b in queued)
    return LaneForecast(lane, rate, total, None if rate is None else drained.backlog_sent)


class _Judge:
    """A release's decision about one of the request's sends when its turn comes."""

    def __init__(
        self,
        req: PushRequest,
        policy: TenantPolicy,
        mine: list[Item],
        queued: Mapping[str, Sequence[QueuedSend]],
        now: datetime,
    ) -> None:
        self._req, self._policy, self._mine = req, policy, mine
        self._capped = capped(policy, req.category)
        self._queued = queued if self._capped else {}
        self._counted: dict[str, list[QueuedSend]] = {}
        self._now = now
        self._expires = req.schedule.expires_at if req.schedule else None

    def __call__(self, job: Job, t: float) -> Turn:
        assert job.key is not None
        item, at = self._mine[job.key], _at(t)
        if self._expires is not None and at >= self._expires:
            item.end = End.EXPIRED_PACING
            return DROP
        if not self._capped:
            return GO
        usage = usage_at(self._policy.caps, item.usage, self._queue(item), at, item.timing.zone)
        d = within_caps(
            self._req.category,
            item.channels,
            at,
            item.timing,
            self._policy,
            usage,
            self._expires,
            item.deferred,
        )
        item.deferred = d.deferred
        if d.verdict == Verdict.SUPPRESS:
            item.end = End.CAPPED
            return DROP
        if d.verdict == Verdict.DEFER:
            assert d.due_at is not None
            return max(d.due_at.timestamp(), t + 0.001)  # always later: no endless turn
        item.paid_by = str(d.channels[0]) if d.channels else None
        return GO

    def _queue(self, item: Item) -> list[QueuedSend]:
        rid = item.recipient_id
        if rid not in self._counted:
            self._counted[rid] = counted(self._policy, self._queued.get(rid, ()), self._now)
        return self._counted[rid]


def _at(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)
