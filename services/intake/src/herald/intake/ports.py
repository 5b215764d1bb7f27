"""Intake's ports: its storage, the advisers a dry run asks, and what the portal reads
(its own records, tracker's reports). Adapters implement them (`adapters.postgres`,
`adapters.advisers`, `adapters.filed`, `adapters.tracker`); unit tests hand in fakes."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from herald.contracts import PushRequest, Status
from herald.contracts.internal import Standing, StandingChanged
from herald.intake.domain import RequestRecord


@dataclass(frozen=True, slots=True)
class Claim:
    """What claiming a request found: the record already there (None: this call created
    it), and the standing of the claimed record's requester and department, read in the
    same round trip (a new request is judged on it at once)."""

    existing: RequestRecord | None
    standing: tuple[Standing, Standing]


class RequestRepository(Protocol):
    """The durable dedupe record of every request, and requester standing."""

    async def claim(self, record: RequestRecord) -> Claim:
        """Insert unless the request is there already; with the standing of `record`'s
        requester and department."""

    async def mark_emitted(self, tenant: str, request_id: str, status: Status) -> None: ...

    async def get(self, tenant: str, request_id: str) -> RequestRecord | None: ...

    async def apply_statuses(self, statuses: Sequence[Status]) -> None: ...

    async def standing(
        self, tenant: str, requester: str, department: str
    ) -> tuple[Standing, Standing]: ...

    async def set_standing(self, changes: Sequence[StandingChanged]) -> None: ...


class AdviserUnavailable(Exception):  # noqa: N818 - a state, not a failure of ours
    """The adviser could not be reached, timed out, or failed (5xx)."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"{name}: {why}")
        self.name = name
        self.why = why


class AdviserRefused(Exception):  # noqa: N818
    """The adviser answered 4xx (e.g. it does not know the caller's key)."""

    def __init__(self, name: str, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{name} answered {status}")
        self.name = name
        self.status = status
        self.problem = problem


class Adviser(Protocol):
    """Review or the scheduler, asked what they would do with a request."""

    name: str

    async def advise(
        self, request: PushRequest, authorization: str, trace_id: str
    ) -> dict[str, Any]:
        """What this service would do with the request; raises AdviserUnavailable or
        AdviserRefused."""


@dataclass(frozen=True, slots=True)
class Filed:
    """A request as the portal lists it: who filed it, when, and its latest status."""

    request_id: str
    department: str
    requester: str
    created_at: datetime
    status: Status | None


class FiledRequests(Protocol):
    """What the portal reads of intake's own records."""

    async def listing(self, tenant: str, department: str | None, limit: int) -> list[Filed]:
        """Latest first; one department's (compared case-insensitively) or, None, all."""

    async def filed(self, tenant: str, request_id: str) -> Filed | None: ...

    async def history(self, tenant: str, request_id: str) -> list[Status]:
        """Every status the request went through, oldest first."""


class ReportsUnavailable(Exception):  # noqa: N818 - a state, not a failure of ours
    """Tracker could not be reached, timed out, failed (5xx) or refused the caller."""


@dataclass(frozen=True, slots=True)
class ReportWindow:
    since: datetime
    until: datetime
    department: str | None = None


class ReportReader(Protocol):
    """Tracker's reports, asked with the caller's own `Authorization`."""

    async def request_report(self, request_id: str, authorization: str) -> dict[str, Any] | None:
        """The request's report; None while tracker has none (it has sent nothing yet)."""

    async def request_csv(self, request_id: str, authorization: str) -> bytes | None: ...

    async def range_report(self, window: ReportWindow, authorization: str) -> dict[str, Any]:
        """By department over the window (`GET /v1/reports`)."""

    async def range_csv(self, window: ReportWindow, authorization: str) -> bytes: ...

    async def timeline(
        self, window: ReportWindow, bucket: str, request_id: str | None, authorization: str
    ) -> dict[str, Any]:
        """Per hour or day (`GET /v1/reports/timeline`)."""
