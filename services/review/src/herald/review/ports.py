"""Review's ports: decisions with their audit log, strikes with standing, and the
violations board (Postgres adapters in `adapters.postgres`; unit tests use hand-written
fakes).

Every write that changes a decision appends to the audit log (and, for a rejection,
strikes the submitter and their department) in the same transaction, so a redelivered
request never makes a second decision, audit row or strike.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from herald.contracts import Reason, StatusKind
from herald.contracts.internal import CancelRequested, RequestEnvelope, Standing, StandingChanged
from herald.review.domain import Decision, HumanDecision
from herald.review.domain.board import Entry


@dataclass(frozen=True, slots=True)
class Review:
    tenant: str
    request_id: str
    state: StatusKind
    envelope: RequestEnvelope | None
    requester: str | None
    """The submitter's user (the credential's; the body's for envelopes without one)."""
    department: str | None
    """The submitter's department, likewise."""
    reasons: tuple[Reason, ...]
    findings: list[dict[str, Any]]
    emitted: bool
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    note: str | None = None


# deliberate declaration: a stored review and whether it is new
@dataclass(frozen=True, slots=True)
class Recorded:
    review: Review
    fresh: bool
    """False when the request had been recorded before (a redelivery, or cancelled first)."""


# deliberate declaration: a row of review.audit, field by field
@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    request_id: str | None
    subject: str | None
    actor: str
    action: str
    reasons: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    note: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class QueueStat:
    tenant: str
    depth: int
    oldest: datetime | None


class ReviewRepository(Protocol):
    async def record(self, envelope: RequestEnvelope, decision: Decision, at: datetime) -> Recorded:
        """Store the automatic decision once; later calls return what was stored."""

    async def decide(
        self, tenant: str, request_id: str, decision: HumanDecision, at: datetime
    ) -> Review | None:
        """A human's decision on a pending request; None if it is not pending."""

    async def cancel(self, event: CancelRequested) -> Review | None:
        """Cancel a pending (or not yet seen) request; the row to announce, if any."""

    async def expire(self, now: datetime, waited_since: datetime) -> list[Review]:
        """Expire pending requests created before `waited_since` or past their expires_at."""

    async def unannounced(self, decided_before: datetime) -> list[Review]:
        """Final decisions whose announcement never completed (a crash)."""

    async def mark_emitted(self, tenant: str, request_id: str) -> None: ...

    async def get(self, tenant: str, request_id: str) -> Review | None: ...

    async def listing(self, tenant: str, state: StatusKind, limit: int) -> list[Review]: ...

    async def audit(self, tenant: str, request_id: str) -> list[AuditEntry]: ...

    async def queue(self) -> list[QueueStat]: ...


class StandingRepository(Protocol):
    async def strikes(self, tenant: str, kind: str, subject: str, since: datetime) -> int:
        """Strikes at or after `since`, not counting those before a reinstatement."""

    async def current(self, tenant: str, kind: str, subject: str) -> Standing: ...

    async def requester_and_department(
        self, tenant: str, requester: str, department: str
    ) -> tuple[Standing, Standing]:
        """Both standings a review weighs, in one read."""
        ...

    async def change(
        self, tenant: str, kind: str, subject: str, to: Standing, at: datetime
    ) -> bool:
        """Record a higher standing, to be published; False when the subject already
        stands as high or was reinstated after `at` (another replica got there first)."""

    async def reinstate(self, tenant: str, kind: str, subject: str, by: str, at: datetime) -> None:
        """Back to good standing, forgetting earlier strikes; audited."""

    async def unpublished(self) -> list[StandingChanged]: ...

    async def mark_published(self, changes: Sequence[StandingChanged]) -> None: ...

    async def listing(self, tenant: str) -> list[StandingChanged]: ...


class BoardRepository(Protocol):
    async def board(self, tenant: str, since: datetime) -> list[Entry]:
        """Subjects at warned or worse, with their strikes at or after `since`."""
