"""A lane drained by its token bucket, simulated (pure): when each queued send would go.

A release takes a lane's due timers highest priority first, then earliest due, as many
as the bucket holds (`domain.pacing`: `rate` tokens a second, at most `max(rate, 1)`
saved up). Here the same queue is run forward in time as a fluid: a job of `weight`
sends is served as tokens arrive, and a more urgent job that becomes due meanwhile takes
the tokens from then on. Times are POSIX seconds (floats), for speed on large queues.

A job with a `key` is one of the dry run's own sends: when its turn first comes, `turn`
says whether it goes (`GO`), is dropped without using a token (expired, capped out) or
is moved to a later due time (deferred by a frequency cap), as a release would decide.
Jobs without a key are the lane's backlog, which always goes.
"""

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

GO = "go"
DROP = "drop"
Turn = str | float
"""GO, DROP, or the new due time of a deferred job."""


@dataclass(slots=True)
class Job:
    priority: int
    due: float
    weight: float
    key: int | None = None
    served: float = 0.0
    first: float | None = None
    """When the first of its sends goes."""
    started: bool = False


@dataclass(slots=True)
class Drained:
    """Each keyed job that went, with when its last send went; what the backlog sent."""

    done: list[tuple[Job, float]] = field(default_factory=list)
    backlog_sent: float = 0.0
    """Backlog sends gone before the last keyed job finished."""


@dataclass(slots=True)
class _Lane:
    rate: float | None
    tokens: float
    t: float
    queue: list[tuple[int, float, int, Job]] = field(default_factory=list)
    arrivals: list[tuple[float, int, Job]] = field(default_factory=list)
    seq: int = 0
    backlog_sent: float = 0.0

    def refill(self, until: float) -> None:
        if self.rate is not None and until > self.t:
            cap = max(self.rate, 1.0)
            self.tokens = min(cap, self.tokens + self.rate * (until - self.t))
        self.t = max(self.t, until)

    def arrive(self, job: Job) -> None:
        self.seq += 1
        heapq.heappush(self.arrivals, (job.due, self.seq, job))

    def admit(self) -> None:
        while self.arrivals and self.arrivals[0][0] <= self.t:
            _, seq, job = heapq.heappop(self.arrivals)
            heapq.heappush(self.queue, (-job.priority, job.due, seq, job))

    def next_arrival(self) -> float:
        return self.arrivals[0][0] if self.arrivals else float("inf")


def drain(
    rate: float | None,
    tokens: float,
    start: float,
    jobs: Iterable[Job],
    turn: Callable[[Job, float], Turn],
) -> Drained:
    """Run the lane from `start` (with `tokens` saved up) until every job is handled.

    `rate` None is an unpaced lane: every job goes at its due time. Jobs given earlier in
    `jobs` win ties (pass the backlog first: it was queued before)."""
    lane = _Lane(rate, tokens, start)
    for job in jobs:
        lane.arrive(job)
    out = Drained()
    while lane.arrivals or lane.queue:
        if not lane.queue:
            lane.refill(lane.next_arrival())
        lane.admit()
        job = lane.queue[0][3]
        if job.key is not None and not job.started:
            decided = turn(job, lane.t)
            if decided != GO:
                heapq.heappop(lane.queue)
                if decided != DROP:
                    job.due = float(decided)
                    lane.arrive(job)
                continue
            job.started = True
        if _serve(lane, job):
            heapq.heappop(lane.queue)
            if job.key is not None:
                out.done.append((job, lane.t))
                out.backlog_sent = lane.backlog_sent
    return out


def _serve(lane: _Lane, job: Job) -> bool:
    """Serve `job` until it is done (True) or until the next arrival (False), which may
    be more urgent."""
    need = job.weight - job.served
    if lane.rate is None:
        _served(lane, job, need, 0.0)
        return True
    until = lane.next_arrival()
    if lane.tokens >= need:
        _served(lane, job, need, 0.0)
        lane.tokens -= need
        return True
    finish = lane.t + (need - lane.tokens) / lane.rate
    if finish <= until:
        _served(lane, job, need, finish - lane.t)
        lane.tokens, lane.t = 0.0, finish
        return True
    amount = lane.tokens + lane.rate * (until - lane.t)
    _served(lane, job, amount, until - lane.t)
    lane.tokens, lane.t = 0.0, until
    return False


def _served(lane: _Lane, job: Job, amount: float, span: float) -> None:
    """`amount` of `job` goes over `span` seconds from now; note when its first send went."""
    unit = min(1.0, job.weight)
    if job.first is None and job.served + amount >= unit:
        wait = max(0.0, unit - job.served - lane.tokens)
        job.first = lane.t + (min(span, wait / lane.rate) if lane.rate else 0.0)
    job.served += amount
    if job.key is None:
        lane.backlog_sent += amount
