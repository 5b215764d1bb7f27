"""The ports tracker's service layer and HTTP API depend on; Postgres adapters implement
them (`ledger.Ledger`, `maintenance.PartitionKeeper`), tests use hand-written fakes."""

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from herald.contracts import Engagement, Status
from herald.contracts.internal import Outcome
from herald.tracker.ingest import Recorded
from herald.tracker.partitions import Month

Key = tuple[str, str]
Rows = tuple[list[Any], list[Any]]
"""Report rows (see queries.BY_CHANNEL) and deferral rows."""


class Finishing(Protocol):
    """A request about to be announced (read-only)."""

    @property
    def tenant(self) -> str: ...

    @property
    def request_id(self) -> str: ...

    @property
    def recipients(self) -> int: ...

    @property
    def labels(self) -> dict[str, str]: ...

    @property
    def final_status(self) -> str | None: ...


class LedgerWork(Protocol):
    """What happens inside one transaction."""

    async def add_outcomes(self, outcomes: Sequence[Outcome]) -> list[Recorded]: ...

    async def add_engagement(self, events: Sequence[Engagement]) -> list[Recorded]: ...

    async def expect(self, statuses: Sequence[Status]) -> None: ...

    async def ready_to_finish(self, keys: set[Key]) -> Sequence[Finishing]: ...

    async def due_updates(self, before: datetime, limit: int) -> Sequence[Finishing]: ...

    async def announced(
        self, keys: Sequence[Key], at: datetime, final_status: str | None
    ) -> None: ...

    async def report_rows(self, tenant: str, request_id: str) -> Rows: ...


class LedgerPort(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[LedgerWork]: ...

    async def erase(self, erased: Sequence[str], restored: Sequence[str]) -> int: ...


class Partitions(Protocol):
    def horizon(self) -> datetime: ...

    def forget(self) -> None: ...

    async def ensure(self, months: Iterable[Month]) -> None: ...


class ReportSource(Protocol):
    async def request(self, tenant: str, request_id: str) -> Mapping[str, Any] | None: ...

    async def report_rows(self, tenant: str, request_id: str) -> Rows: ...

    async def range_rows(
        self, tenant: str, since: datetime, until: datetime, department: str | None
    ) -> Rows: ...
