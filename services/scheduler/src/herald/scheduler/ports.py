"""The scheduler's storage ports. `adapters.postgres` implements them on Postgres; unit
tests use hand-written in-memory fakes.

Calls about recipients and timers take and give batches. Work that must be atomic is a
unit of work (an async context manager): it commits when its block ends well and rolls
back when the block raises, so events published inside the block go out before the
commit (at-least-once, never lost).
"""

from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from herald.contracts import Engagement, PushRequest, Recipient
from herald.contracts.internal import RequestEnvelope
from herald.contracts.recipient import Contacts
from herald.scheduler.domain.besthour import HourEvidence
from herald.scheduler.domain.caps import Usage
from herald.scheduler.domain.forecast_lanes import Backlog
from herald.scheduler.domain.model import (
    Due,
    Member,
    Plan,
    PlanCounts,
    PlanKey,
    PlanState,
    RecipientKey,
    Stopped,
    Timer,
)
from herald.scheduler.domain.outlook import QueuedSend
from herald.scheduler.domain.pacing import Bucket, Budget
from herald.scheduler.domain.settlement import Settlement


class ContentionError(Exception):
    """Storage rolled a transaction back to break a conflict (a deadlock victim).
    Planning and cancelling resume where they stopped, so running them again is safe."""


class ContactsWork(Protocol):
    async def lock(self, keys: Sequence[RecipientKey]) -> dict[RecipientKey, Contacts]:
        """The contacts of those recipients that exist, locked until the block ends."""
        ...

    async def save(self, contacts: Mapping[RecipientKey, Contacts]) -> None: ...


class Recipients(Protocol):
    """The recipient directory."""

    async def replace(self, profiles: Sequence[Recipient], erased: Sequence[RecipientKey]) -> None:
        """Store the profiles and erase the (tenant, recipient id)s given, with everything
        kept about them; each in its own tenant only."""
        ...

    def contacts(self) -> AbstractAsyncContextManager[ContactsWork]: ...


class AudienceSnapshot(Protocol):
    """One consistent read of the directory: counts and streams agree."""

    async def count(self, request: PushRequest, after: str) -> dict[str | None, int]:
        """Audience members after `after` (recipient id) by suppression reason (None:
        reachable)."""
        ...

    def stream(
        self, request: PushRequest, after: str, chunk: int
    ) -> AsyncGenerator[list[Member], None]:
        """The members after `after` in recipient-id order, `chunk` at a time (the next
        is read while the caller works on one: use no other call of this snapshot then)."""
        ...

    def reachable(
        self, request: PushRequest, share: float, limit: int, chunk: int
    ) -> AsyncGenerator[list[Member], None]:
        """The reachable members, or a deterministic `share` (0 to 1) of them, at most
        `limit`, `chunk` at a time (`usage` may be called between chunks)."""
        ...

    async def usage(self, tenant: str, ids: Sequence[str]) -> dict[str, dict[str, Usage]]:
        """Cap usage as it stands (read, never locked), by recipient id and scope."""
        ...

    async def lanes(self, tenant: str, lanes: Sequence[str]) -> list[Bucket]:
        """Those of the tenant's lanes that exist, with their buckets as stored."""
        ...

    async def backlog(self, tenant: str, lanes: Sequence[str], now: datetime) -> list[Backlog]:
        """The sends waiting in those lanes, by priority and due time (overdue: `now`),
        earliest first."""
        ...

    async def queued(self, tenant: str, ids: Sequence[str]) -> dict[str, list[QueuedSend]]:
        """The sends waiting for those recipients, by recipient id."""
        ...


class Audience(Protocol):
    def snapshot(self) -> AbstractAsyncContextManager[AudienceSnapshot]: ...

    async def listed(self, request: PushRequest, after: str) -> list[Member]:
        """All of an audience of listed recipients after `after`, in recipient-id order,
        in one read (one statement: consistent by itself, no snapshot needed). For
        audiences small enough to hold at once (`Planner` asks for at most a chunk)."""
        ...


@dataclass(frozen=True, slots=True)
class PlanChange:
    """The fields of a plan to change; None leaves a field as it is."""

    state: PlanState | None = None
    complete: bool | None = None
    recipients: int | None = None
    suppressed: int | None = None
    suppressed_by: Mapping[str, int] | None = None


class PlanWork(Protocol):
    """One plan's row and timers, in one transaction."""

    async def lock(self, key: PlanKey) -> Plan | None: ...

    async def remember_cancel(self, key: PlanKey) -> None:
        """A plan in `cancel_requested`, for a request not seen yet."""
        ...

    async def change(self, key: PlanKey, change: PlanChange) -> None: ...

    # deliberate declaration: the port's signature (adapters.postgres.plans implements it)
    async def advance(
        self,
        key: PlanKey,
        prev: str,
        cursor: str,
        n: int,
        *,
        last: bool = False,
        change: PlanChange | None = None,
        timers: Sequence[Timer] = (),
    ) -> PlanState | None:
        """Move the expansion cursor from `prev` to `cursor` (`n` more expanded) if it is
        still at `prev`, `last`: and finish the expansion as `Plans.finish_expansion`
        does (after `change`, made in the same update, never its `complete`), and add
        the chunk's `timers` unless the plan is cancelled (as `add_timers`); the plan's
        state, or None if another expander moved it (and nothing changed)."""
        ...

    async def add_timers(self, timers: Sequence[Timer]) -> None:
        """Add ready timers (their lanes exist). Nothing here drops a delivery id added
        before: the plan's cursor (`advance`, same transaction) keeps a chunk from being
        added twice."""
        ...

    async def take_timers(self, key: PlanKey, limit: int) -> list[Stopped]:
        """Remove about `limit` of the request's timers (whole batches), waiting for any
        being released; empty only once nothing of the request is left."""
        ...


class Plans(Protocol):
    async def open(self, envelope: RequestEnvelope) -> Plan:
        """The request's plan, created `expanding` if new; the envelope is kept once,
        without an explicit audience id list (the planner reads the audience from the
        envelope it is given, never from the plan)."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[PlanWork]: ...

    async def finish_expansion(self, key: PlanKey) -> None:
        """Every recipient is expanded: `complete`, and `streaming` becomes `scheduled`."""
        ...

    async def envelopes(self, keys: Sequence[PlanKey]) -> dict[PlanKey, RequestEnvelope]:
        """The envelopes as kept, for releases and cancels: their audience is not the
        request's (an id list reads `all`); nothing here may expand it."""
        ...


class Claim(Protocol):
    """One release, in one transaction: what it takes stays locked until the block ends."""

    async def lock_lanes(self, critical: bool | None = None) -> list[Bucket]:
        """Unpaced lanes, and the paced ones no other release holds (then locked): the
        critical lanes only (True), the others only (False) or all (None)."""
        ...

    async def take_due(self, budgets: Sequence[Budget], now: datetime, limit: int) -> list[Due]:
        """Expired timers and, per lane, up to its budget of due ones (priority first),
        none that another release holds."""
        ...

    async def lock_usage(
        self, keys: Sequence[RecipientKey]
    ) -> dict[RecipientKey, dict[str, Usage]]:
        """Cap usage of those recipients, every one of them locked (in key order)."""
        ...

    async def settle(self, settlement: Settlement, at: datetime) -> None:
        """Write the release's decisions: timers done or moved, usage, lanes, who got what."""
        ...

    async def start_dispatching(self, keys: Sequence[PlanKey]) -> list[PlanCounts]:
        """Mark the plans dispatching; give back those that were not yet."""
        ...


class Timers(Protocol):
    def claim(self) -> AbstractAsyncContextManager[Claim]: ...

    async def ensure_lanes(
        self, tenant: str, rates: Mapping[str, float | None], now: datetime
    ) -> None:
        """Create the lanes timers will use, with their current rates (outside any plan's
        transaction: a release holds lanes while it waits for plans)."""
        ...

    async def lanes(self) -> list[tuple[str, str]]:
        """Every (tenant, lane)."""
        ...

    async def set_rates(self, rates: Sequence[tuple[str, str, float | None]]) -> None: ...

    async def pending(self, now: datetime) -> tuple[int, float]:
        """How many timers wait, and how late the most overdue one is (seconds)."""
        ...


class EngagementLog(Protocol):
    """Engagement with our own deliveries, for send-time optimisation."""

    async def record(self, events: Sequence[Engagement]) -> None:
        """Keep each event once, for deliveries this scheduler released."""
        ...

    # deliberate declaration: the port's signature (adapters.postgres.engagement implements it)
    async def hour_evidence(
        self,
        tenant: str,
        zones: Mapping[str, str],
        since: datetime,
        now: datetime,
        half_life: timedelta,
    ) -> dict[str, list[HourEvidence]]:
        """For each recipient id of `zones` with engagement since `since`: per hour of the
        day in their zone (an IANA name), the events' weight decayed to `now`
        (`domain.besthour.weight`) and their number."""
        ...

    async def prune(self, before: datetime, tenants: Mapping[str, datetime] | None = None) -> None:
        """Forget engagement and released deliveries older than `before`, or than the
        tenant's own horizon in `tenants`."""
        ...
