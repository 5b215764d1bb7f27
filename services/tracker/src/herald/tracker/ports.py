"""The ports tracker's service layer and HTTP API depend on, and the records they pass;
Postgres adapters implement them (`adapters.postgres`), tests use hand-written fakes."""

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from herald.contracts import Engagement, Status
from herald.contracts.internal import Outcome
from herald.runtime.transient import TransientError
from herald.tracker.domain.erasure import RecipientKey
from herald.tracker.domain.partitions import Month

Key = tuple[str, str]
"""(tenant, request_id)"""
Rows = tuple[list[Any], list[Any]]
"""Report rows (see adapters.postgres.queries.BY_CHANNEL) and deferral rows."""


@dataclass(frozen=True, slots=True)
class Expected:
    """A status that says how many outcomes a request will have, with its trace id (the
    request's statuses from tracker carry it on)."""

    status: Status
    trace_id: str = ""


# deliberate declaration: what announcing a finished request needs, field by field
@dataclass(frozen=True, slots=True)
class Finishing:
    """A request about to be announced."""

    tenant: str
    request_id: str
    recipients: int
    labels: dict[str, str]
    final_status: str | None = None
    trace_id: str = ""


@dataclass(frozen=True, slots=True)
class Recorded:
    """How many new rows of one kind a batch added (tenant and channel None if unknown)."""

    tenant: str | None
    channel: str | None
    kind: str
    n: int


@dataclass(frozen=True, slots=True)
class Refused:
    """An engagement event that claims a tenant its delivery does not belong to."""

    event_id: str
    delivery_id: str
    claimed: str
    kind: str


class PartitionMissingError(TransientError):
    """A row's month has no partition (another replica dropped it): retried once the
    partitions known are forgotten."""


class LedgerWork(Protocol):
    """What happens inside one transaction."""

    async def add_outcomes(
        self, outcomes: Sequence[Outcome], begun: Mapping[Key, datetime]
    ) -> list[Recorded]:
        """Record each outcome once: in the month its request began (`begun`), keyed by
        its delivery id and that time."""

    async def add_engagement(
        self, events: Sequence[Engagement]
    ) -> tuple[list[Recorded], list[Refused]]:
        """Record what is new and credited to the right tenant; hand back what claims
        another tenant's delivery."""

    async def expect(self, expected: Sequence[Expected]) -> None: ...

    async def ready_to_finish(self, keys: set[Key]) -> Sequence[Finishing]: ...

    async def due_updates(self, before: datetime, limit: int) -> Sequence[Finishing]: ...

    async def announced(
        self, keys: Sequence[Key], at: datetime, final_status: str | None
    ) -> None: ...

    async def report_rows(self, tenant: str, request_id: str) -> Rows: ...


class LedgerPort(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[LedgerWork]: ...

    async def begun(self, firsts: Mapping[Key, datetime]) -> dict[Key, datetime]:
        """When each request began, fixed by whatever of it came first (a request not
        seen before begins at the time given: its earliest outcome's in this batch)."""
        ...

    async def erase(self, erased: Sequence[RecipientKey], restored: Sequence[RecipientKey]) -> int:
        """Unlink erased (tenant, recipient id)s from their outcomes, each in its own
        tenant; forget restored ones. How many outcomes were unlinked."""
        ...


class Partitions(Protocol):
    def horizon(self) -> datetime: ...

    def forget(self) -> None: ...

    async def ensure(self, months: Iterable[Month]) -> None: ...


# deliberate declaration: the parameters of a timeline report, one field each
@dataclass(frozen=True, slots=True)
class TimelineQuery:
    """Outcomes of one tenant in [since, until), by `bucket` ('hour' or 'day', UTC),
    optionally of one department or one request."""

    tenant: str
    since: datetime
    until: datetime
    bucket: str
    department: str | None = None
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class LabelQuery:
    """Outcomes of one tenant in [since, until) of the requests carrying label `key`
    (with `value`, or any value when None), optionally of one department; grouped by
    department, or by the label's value when `by_value`. Rows have the group in `grp`."""

    tenant: str
    since: datetime
    until: datetime
    key: str
    value: str | None = None
    by_value: bool = False
    department: str | None = None


class ReportSource(Protocol):
    async def request(self, tenant: str, request_id: str) -> Mapping[str, Any] | None: ...

    async def report_rows(self, tenant: str, request_id: str) -> Rows: ...

    async def range_rows(
        self, tenant: str, since: datetime, until: datetime, department: str | None
    ) -> Rows: ...

    async def label_rows(self, query: LabelQuery) -> Rows:
        """As `range_rows`, over requests carrying a label (queries.LABELLED_BY_CHANNEL)."""
        ...

    async def timeline_rows(self, query: TimelineQuery) -> list[Any]:
        """One row per (bucket, channel, outcome, reason), as queries.TIMELINE_BY_CHANNEL."""
