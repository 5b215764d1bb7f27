"""Hand-written fakes of intake's ports."""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from herald.contracts import PushRequest, Status, StatusKind
from herald.contracts.internal import Standing, StandingChanged
from herald.intake.callbacks.ports import Answer, Claimed, Tried
from herald.intake.domain import RequestRecord, replaces
from herald.intake.ports import (
    AdviserRefused,
    AdviserUnavailable,
    Claim,
    Filed,
    ReportsUnavailable,
    ReportWindow,
)


@dataclass
class FakeRequestRepository:
    rows: dict[tuple[str, str], RequestRecord] = field(default_factory=dict)
    standings: dict[tuple[str, str, str], Standing] = field(default_factory=dict)

    async def claim(self, record: RequestRecord) -> Claim:
        key = (record.tenant, record.request_id)
        standing = await self.standing(record.tenant, record.requester, record.department)
        if key in self.rows:
            return Claim(self.rows[key], standing)
        self.rows[key] = record
        return Claim(None, standing)

    async def mark_emitted(self, tenant: str, request_id: str, status: Status) -> None:
        row = self.rows[(tenant, request_id)]
        self.rows[(tenant, request_id)] = replace(row, emitted=True, status=row.status or status)

    async def get(self, tenant: str, request_id: str) -> RequestRecord | None:
        return self.rows.get((tenant, request_id))

    async def apply_statuses(self, statuses: Sequence[Status]) -> None:
        for s in statuses:
            row = self.rows.get((s.tenant, s.request_id))
            if row and s.status != StatusKind.DUPLICATE and replaces(s, row.status):
                self.rows[(s.tenant, s.request_id)] = replace(row, status=s)

    async def standing(
        self, tenant: str, requester: str, department: str
    ) -> tuple[Standing, Standing]:
        return (
            self.standings.get((tenant, "requester", requester), Standing.GOOD),
            self.standings.get((tenant, "department", department), Standing.GOOD),
        )

    async def set_standing(self, changes: Sequence[StandingChanged]) -> None:
        for c in changes:
            self.standings[(c.tenant, c.subject_kind, c.subject)] = c.standing


@dataclass
class FakeAdviser:
    name: str
    answer: dict[str, Any]
    down: bool = False
    refuse: int | None = None
    asked: list[tuple[str, str, str]] = field(default_factory=list)
    requests: list[PushRequest] = field(default_factory=list)

    async def advise(
        self, request: PushRequest, authorization: str, trace_id: str
    ) -> dict[str, Any]:
        self.asked.append((request.request_id, authorization, trace_id))
        self.requests.append(request)
        if self.down:
            raise AdviserUnavailable(self.name, "connection refused")
        if self.refuse:
            raise AdviserRefused(self.name, self.refuse, {"code": "unauthorized", "title": "no"})
        return self.answer


@dataclass
class FakeFiledRequests:
    """The portal's reads: requests as filed (newest last) and each one's statuses."""

    rows: list[Filed] = field(default_factory=list)
    histories: dict[tuple[str, str], list[Status]] = field(default_factory=dict)
    tenants: dict[str, str] = field(default_factory=dict)

    def add(self, tenant: str, filed: Filed, *history: Status) -> None:
        self.rows.append(filed)
        self.tenants[filed.request_id] = tenant
        self.histories[(tenant, filed.request_id)] = list(history)

    async def listing(self, tenant: str, department: str | None, limit: int) -> list[Filed]:
        mine = [
            f for f in reversed(self.rows)
            if self.tenants[f.request_id] == tenant
            and (department is None or f.department.lower() == department.lower())
        ]  # fmt: skip
        return mine[:limit]

    async def filed(self, tenant: str, request_id: str) -> Filed | None:
        return next(
            (f for f in self.rows
             if f.request_id == request_id and self.tenants[request_id] == tenant),
            None,
        )  # fmt: skip

    async def history(self, tenant: str, request_id: str) -> list[Status]:
        return list(self.histories.get((tenant, request_id), []))


@dataclass
class FakeReportReader:
    """Tracker's reports, canned; records what it was asked and with which key."""

    report: dict[str, Any] | None = None
    range: dict[str, Any] = field(default_factory=dict)
    series: dict[str, Any] = field(default_factory=dict)
    csv: bytes = b"department,channel\r\nmarketing,all\r\n"
    down: bool = False
    asked: list[tuple[str, Any, str]] = field(default_factory=list)

    def _ask(self, what: str, about: Any, authorization: str) -> None:
        self.asked.append((what, about, authorization))
        if self.down:
            raise ReportsUnavailable("tracker: connection refused")

    async def request_report(self, request_id: str, authorization: str) -> dict[str, Any] | None:
        self._ask("request", request_id, authorization)
        return self.report

    async def request_csv(self, request_id: str, authorization: str) -> bytes | None:
        self._ask("request_csv", request_id, authorization)
        return self.csv if self.report is not None else None

    async def range_report(self, window: ReportWindow, authorization: str) -> dict[str, Any]:
        self._ask("range", window, authorization)
        return self.range

    async def range_csv(self, window: ReportWindow, authorization: str) -> bytes:
        self._ask("range_csv", window, authorization)
        return self.csv

    async def timeline(
        self, window: ReportWindow, bucket: str, request_id: str | None, authorization: str
    ) -> dict[str, Any]:
        self._ask("timeline", (window, bucket, request_id), authorization)
        return self.series


@dataclass
class FakeOutbox:
    """The sender's side of the callbacks outbox: what is due, what was recorded."""

    due: list[Claimed] = field(default_factory=list)
    recorded: list[Tried] = field(default_factory=list)
    disable: bool = False

    async def expire(self, now: datetime) -> int:
        return 0

    async def claim(
        self, now: datetime, lease: datetime, per_subscription: int, limit: int
    ) -> list[Claimed]:
        taken, self.due = self.due[:limit], self.due[limit:]
        return taken

    async def record(self, tried: Tried, disable_after: int) -> bool:
        self.recorded.append(tried)
        return self.disable


@dataclass
class FakePoster:
    """A receiver answering one status to every POST (200 is success)."""

    status_code: int | None
    posted: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        self.posted.append((url, body, headers))
        error = None if self.status_code == 200 else "HTTP 503"
        return Answer(self.status_code, 12, error)
