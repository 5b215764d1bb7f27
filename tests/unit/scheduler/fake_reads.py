"""Hand-written fakes of the Audience (snapshots of the directory) and EngagementLog ports."""

import contextlib
import math
import zlib
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from herald.contracts import Engagement, PushRequest, Recipient
from herald.contracts.push_request import Segment
from herald.scheduler.domain.besthour import HourEvidence, histogram
from herald.scheduler.domain.caps import Usage
from herald.scheduler.domain.forecast_lanes import Backlog
from herald.scheduler.domain.model import Member, RecipientKey, Timer
from herald.scheduler.domain.outlook import QueuedSend
from herald.scheduler.domain.pacing import Bucket
from herald.scheduler.domain.reach import reach
from tests.unit.scheduler.fakes import State


class FakeAudience:
    def __init__(self, state: State) -> None:
        self.state = state

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator["FakeSnapshot"]:
        s = self.state
        yield FakeSnapshot(dict(s.recipients), dict(s.caps), dict(s.lanes), list(s.timers.values()))

    async def listed(self, request: PushRequest, after: str) -> list[Member]:
        async with self.snapshot() as snap:
            return await snap.listed(request, after)


class FakeSnapshot:
    """The directory as it was when the snapshot began."""

    def __init__(
        self,
        recipients: dict[RecipientKey, Recipient],
        caps: dict[RecipientKey, dict[str, Usage]],
        lanes: dict[tuple[str, str], Bucket],
        timers: list[Timer],
    ) -> None:
        self._recipients, self._caps = recipients, caps
        self._lanes, self._timers = lanes, timers

    async def count(self, request: PushRequest, after: str) -> dict[str | None, int]:
        return dict(Counter(m.reason for m in self._members(request, after)))

    async def listed(self, request: PushRequest, after: str) -> list[Member]:
        return list(self._members(request, after))

    def stream(
        self, request: PushRequest, after: str, chunk: int
    ) -> AsyncGenerator[list[Member], None]:
        return _chunks(self._members(request, after), chunk)

    def reachable(
        self, request: PushRequest, share: float, limit: int, chunk: int
    ) -> AsyncGenerator[list[Member], None]:
        cut = math.ceil(2**31 * share)
        picked = [
            m
            for m in self._members(request, "")
            if m.reason is None and zlib.crc32(m.recipient_id.encode()) & 0x7FFFFFFF < cut
        ]
        return _chunks(picked[: max(limit, 1)], chunk)

    async def usage(self, tenant: str, ids: Sequence[str]) -> dict[str, dict[str, Usage]]:
        return {rid: dict(self._caps[(tenant, rid)]) for rid in ids if (tenant, rid) in self._caps}

    async def lanes(self, tenant: str, lanes: Sequence[str]) -> list[Bucket]:
        return [b for (t, lane), b in self._lanes.items() if t == tenant and lane in lanes]

    async def backlog(self, tenant: str, lanes: Sequence[str], now: datetime) -> list[Backlog]:
        n = Counter(
            (t.lane, t.priority, max(t.due_at, now))
            for t in self._timers
            if t.tenant == tenant and t.lane in lanes
        )
        return [Backlog(*key, sends) for key, sends in sorted(n.items(), key=lambda x: x[0][2])]

    async def queued(self, tenant: str, ids: Sequence[str]) -> dict[str, list[QueuedSend]]:
        out: dict[str, list[QueuedSend]] = {}
        for t in self._timers:
            if t.tenant == tenant and t.recipient_id in ids:
                out.setdefault(t.recipient_id, []).append(QueuedSend(t.due_at, t.lane, t.category))
        return out

    def _members(self, request: PushRequest, after: str) -> list[Member]:
        aud, tenant = request.audience, request.tenant
        if aud.recipients is not None:
            ids = sorted(set(aud.recipients))
        else:
            ids = sorted(rid for t, rid in self._recipients if t == tenant)
        found = [(rid, self._recipients.get((tenant, rid))) for rid in ids if rid > after]
        if aud.segment is not None:
            found = [(rid, r) for rid, r in found if r is not None and _in(aud.segment, r)]
        return [_member(request, rid, r) for rid, r in found]


def _in(segment: Segment, r: Recipient) -> bool:
    tags = set(r.tags)
    every, some, none = set(segment.tags_all), set(segment.tags_any), set(segment.tags_none)
    return every <= tags and (not some or bool(some & tags)) and not none & tags


def _member(request: PushRequest, rid: str, r: Recipient | None) -> Member:
    got = reach(request, r)
    reason = str(got.suppressed) if got.suppressed else None
    channels = tuple(str(c) for c in got.channels)
    return Member(rid, reason, channels, r.timezone if r else None, r.quiet_hours if r else None)


async def _chunks(members: list[Member], chunk: int) -> AsyncGenerator[list[Member], None]:
    for i in range(0, len(members), chunk):
        yield members[i : i + chunk]


class FakeEngagement:
    def __init__(self, state: State) -> None:
        self.state = state

    async def record(self, events: Sequence[Engagement]) -> None:
        for e in events:
            if e.delivery_id in self.state.released:
                key = self.state.released[e.delivery_id][0]
                if e.tenant is None or e.tenant == key[0]:
                    self.state.engagement.setdefault((key[0], e.event_id), (key, e.at))

    async def hour_evidence(
        self,
        tenant: str,
        zones: Mapping[str, str],
        since: datetime,
        now: datetime,
        half_life: timedelta,
    ) -> dict[str, list[HourEvidence]]:
        seen: dict[str, list[datetime]] = {}
        for (t, rid), at in self.state.engagement.values():
            if t == tenant and rid in zones and at >= since:
                seen.setdefault(rid, []).append(at)
        return {
            rid: histogram(ats, ZoneInfo(zones[rid]), now, half_life) for rid, ats in seen.items()
        }

    async def prune(self, before: datetime, tenants: Mapping[str, datetime] | None = None) -> None:
        s, own = self.state, tenants or {}
        s.engagement = {e: v for e, v in s.engagement.items() if v[1] >= own.get(v[0][0], before)}
        s.released = {d: v for d, v in s.released.items() if v[1] >= own.get(v[0][0], before)}
