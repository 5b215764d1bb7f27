"""Hand-written fakes of the Timers port and its Claim (one release as a unit of work)."""

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime

from herald.scheduler.domain.caps import Usage
from herald.scheduler.domain.model import Due, PlanCounts, PlanKey, RecipientKey, Timer
from herald.scheduler.domain.pacing import Bucket, Budget, is_critical_lane
from herald.scheduler.domain.settlement import Settlement
from tests.unit.scheduler.fakes import State


class FakeTimers:
    def __init__(self, state: State) -> None:
        self.state = state

    @contextlib.asynccontextmanager
    async def claim(self) -> AsyncIterator["FakeClaim"]:
        async with self.state.transaction():
            yield FakeClaim(self.state)

    async def ensure_lanes(
        self, tenant: str, rates: Mapping[str, float | None], now: datetime
    ) -> None:
        for lane, rate in rates.items():
            old = self.state.lanes.get((tenant, lane))
            if old is None:
                self.state.lanes[(tenant, lane)] = Bucket(tenant, lane, rate, rate or 0.0, now)
            elif old.rate != rate:
                self.state.lanes[(tenant, lane)] = Bucket(tenant, lane, rate, old.tokens, now)

    async def lanes(self) -> list[tuple[str, str]]:
        return sorted(self.state.lanes)

    async def set_rates(self, rates: Sequence[tuple[str, str, float | None]]) -> None:
        for tenant, lane, rate in rates:
            old = self.state.lanes[(tenant, lane)]
            self.state.lanes[(tenant, lane)] = Bucket(
                tenant, lane, rate, old.tokens, old.refilled_at
            )

    async def pending(self, now: datetime) -> tuple[int, float]:
        due = [t.due_at for t in self.state.timers.values() if t.due_at <= now]
        lag = (now - min(due)).total_seconds() if due else 0.0
        return len(self.state.timers), lag


class FakeClaim:
    """Nothing runs beside it, so every lane and timer is free to take."""

    def __init__(self, state: State) -> None:
        self.state = state

    async def lock_lanes(self, critical: bool | None = None) -> list[Bucket]:
        lanes = self.state.lanes.values()
        return [b for b in lanes if critical is None or is_critical_lane(b.lane) == critical]

    async def take_due(self, budgets: Sequence[Budget], now: datetime, limit: int) -> list[Due]:
        timers = self.state.timers.values()
        expired = sorted(
            (t for t in timers if t.expires_at is not None and t.expires_at <= now),
            key=lambda t: t.expires_at or now,
        )[:limit]
        taken = {t.delivery_id: t for t in expired}
        for b in budgets:
            lane = [t for t in timers if (t.tenant, t.lane) == (b.tenant, b.lane)]
            ready = sorted((t for t in lane if t.due_at <= now), key=_urgency)[: b.sends]
            taken |= {t.delivery_id: t for t in ready}
        known = self.state.recipients
        return [Due(t, known.get((t.tenant, t.recipient_id))) for t in taken.values()]

    async def lock_usage(
        self, keys: Sequence[RecipientKey]
    ) -> dict[RecipientKey, dict[str, Usage]]:
        return {k: dict(self.state.caps.get(k, {})) for k in sorted(set(keys))}

    async def settle(self, settlement: Settlement, at: datetime) -> None:
        s = self.state
        for did in settlement.done:
            del s.timers[did]
        for d in settlement.deferrals:
            old = s.timers[d.delivery_id]
            s.timers[d.delivery_id] = _moved(old, d.due_at, d.deferred)
        for due in settlement.released:
            s.released.setdefault(due.delivery_id, (due.key, at))
        for key, scopes in settlement.usage.items():
            s.caps.setdefault(key, {}).update(scopes)
        for b in settlement.lanes:
            s.lanes[(b.tenant, b.lane)] = Bucket(b.tenant, b.lane, b.rate, b.tokens, at)

    async def start_dispatching(self, keys: Sequence[PlanKey]) -> list[PlanCounts]:
        fresh = []
        for key in sorted(set(keys)):
            row = self.state.plans[key]
            if not row.dispatching:
                row.dispatching = True
                fresh.append(PlanCounts(*key, row.recipients, row.suppressed))
        return fresh


def _urgency(t: Timer) -> tuple[int, datetime]:
    return -t.priority, t.due_at


def _moved(t: Timer, due_at: datetime, deferred: tuple[str, ...]) -> Timer:
    return Timer(
        t.delivery_id,
        t.tenant,
        t.request_id,
        t.recipient_id,
        due_at,
        t.expires_at,
        t.priority,
        t.category,
        t.lane,
        tuple(str(r) for r in deferred),
    )
