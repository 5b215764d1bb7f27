from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from herald.contracts import Status, StatusKind
from herald.contracts.internal import Standing, StandingChanged
from herald.intake.callbacks.ports import Answer, Claimed, Tried
from herald.intake.domain import RequestRecord


@dataclass
class FakeRequestRepository:
    rows: dict[tuple[str, str], RequestRecord] = field(default_factory=dict)
    standings: dict[tuple[str, str, str], Standing] = field(default_factory=dict)

    async def claim(self, record: RequestRecord) -> RequestRecord | None:
        key = (record.tenant, record.request_id)
        if key in self.rows:
            return self.rows[key]
        self.rows[key] = record
        return None

    async def mark_emitted(self, tenant: str, request_id: str, status: Status) -> None:
        row = self.rows[(tenant, request_id)]
        self.rows[(tenant, request_id)] = replace(row, emitted=True, status=row.status or status)

    async def get(self, tenant: str, request_id: str) -> RequestRecord | None:
        return self.rows.get((tenant, request_id))

    async def apply_statuses(self, statuses: Sequence[Status]) -> None:
        for s in statuses:
            row = self.rows.get((s.tenant, s.request_id))
            if row and s.status != StatusKind.DUPLICATE:
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
