"""Hand-written fakes of tracker's ports: an in-memory ledger and partitions."""

import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from herald.contracts import Engagement
from herald.contracts.internal import Outcome
from herald.tracker.domain.partitions import Month
from herald.tracker.ports import Expected, LabelQuery, Recorded, Refused, TimelineQuery

Key = tuple[str, str]


@dataclass
class Request:
    tenant: str
    request_id: str
    recipients: int = 0
    labels: dict[str, str] = field(default_factory=dict)
    final_status: str | None = None
    outcomes: int = 0
    expected: bool = False
    trace_id: str = ""
    began: datetime | None = None


@dataclass
class FakeLedger:
    """Dedupes by id and keeps per-request bookkeeping like the real one (no engagement
    arithmetic: reports count provider-delivered outcomes only)."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    events: dict[str, Engagement] = field(default_factory=dict)
    requests: dict[Key, Request] = field(default_factory=dict)
    announcements: list[tuple[Key, str | None]] = field(default_factory=list)
    erased: set[tuple[str, str]] = field(default_factory=set)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator["FakeLedger"]:
        yield self

    async def begun(self, firsts: Mapping[Key, datetime]) -> dict[Key, datetime]:
        for key, at in firsts.items():
            r = self._request(key)
            r.began = r.began or at
        return {k: self.requests[k].began or firsts[k] for k in firsts}

    async def add_outcomes(
        self, outcomes: Sequence[Outcome], begun: Mapping[Key, datetime]
    ) -> list[Recorded]:
        new = [
            o
            for o in {o.delivery_id: o for o in outcomes}.values()
            if o.delivery_id not in self.outcomes
        ]
        for o in new:
            self.outcomes[o.delivery_id] = o
            self._request((o.tenant, o.request_id)).outcomes += 1
        kinds = Counter((o.tenant, o.channel and str(o.channel), str(o.outcome)) for o in new)
        return [Recorded(t, c, k, n) for (t, c, k), n in kinds.items()]

    async def add_engagement(
        self, events: Sequence[Engagement]
    ) -> tuple[list[Recorded], list[Refused]]:
        new = [e for e in events if e.event_id not in self.events]
        self.events.update({e.event_id: e for e in new})
        return [Recorded(None, None, str(e.kind), 1) for e in new], []

    async def expect(self, expected: Sequence[Expected]) -> None:
        for e in expected:
            s = e.status
            r = self._request((s.tenant, s.request_id))
            r.began = r.began or s.at
            r.recipients = s.counts.recipients if s.counts else 0
            r.labels, r.expected = s.labels, True
            r.trace_id = r.trace_id or e.trace_id

    async def ready_to_finish(self, keys: set[Key]) -> list[Request]:
        return [
            r for k in keys if (r := self.requests.get(k))
            if r.expected and r.outcomes >= r.recipients and r.final_status is None
        ]  # fmt: skip

    async def due_updates(self, before: datetime, limit: int) -> list[Request]:
        return []

    async def announced(self, keys: Sequence[Key], at: datetime, final_status: str | None) -> None:
        for k in keys:
            self.announcements.append((k, final_status))
            if final_status:
                self.requests[k].final_status = final_status

    async def report_rows(self, tenant: str, request_id: str) -> tuple[list[Any], list[Any]]:
        mine = [
            o for o in self.outcomes.values() if (o.tenant, o.request_id) == (tenant, request_id)
        ]
        groups = Counter((str(o.channel or ""), str(o.outcome), str(o.reason or "")) for o in mine)
        rows = [
            {"channel": c, "outcome": k, "reason": r, "n": n,
             "delivered": n if k == "delivered" else 0, "opened": 0, "read": 0, "clicked": 0}
            for (c, k, r), n in groups.items()
        ]  # fmt: skip
        return rows, []

    async def erase(
        self, erased: Sequence[tuple[str, str]], restored: Sequence[tuple[str, str]]
    ) -> int:
        self.erased = (self.erased | set(erased)) - set(restored)
        return 0

    def _request(self, key: Key) -> Request:
        return self.requests.setdefault(key, Request(*key))


@dataclass
class FakePartitions:
    edge: datetime
    ensured: set[Month] = field(default_factory=set)

    def horizon(self) -> datetime:
        return self.edge

    def forget(self) -> None:
        self.ensured.clear()

    async def ensure(self, months: Iterable[Month]) -> None:
        self.ensured.update(months)


@dataclass
class FakeReports:
    request_row: Mapping[str, Any] | None = None
    rows: list[Any] = field(default_factory=list)
    deferrals: list[Any] = field(default_factory=list)
    asked: list[tuple[Any, ...]] = field(default_factory=list)

    async def request(self, tenant: str, request_id: str) -> Mapping[str, Any] | None:
        return self.request_row

    async def report_rows(self, tenant: str, request_id: str) -> tuple[list[Any], list[Any]]:
        return self.rows, self.deferrals

    async def range_rows(
        self, tenant: str, since: datetime, until: datetime, department: str | None
    ) -> tuple[list[Any], list[Any]]:
        self.asked.append((tenant, since, until, department))
        return self.rows, self.deferrals

    async def label_rows(self, query: LabelQuery) -> tuple[list[Any], list[Any]]:
        self.asked.append((query,))
        return self.rows, self.deferrals

    async def timeline_rows(self, query: TimelineQuery) -> list[Any]:
        self.asked.append((query,))
        return self.rows
