"""Hand-written in-memory fakes of the scheduler's storage ports (`herald.scheduler.ports`).

They keep what the Postgres adapter keeps, with its rules (one timer per delivery id,
a cursor that moves only from where it was, a cancel remembered before its request),
and a unit of work that undoes its changes when its block raises. The audience is the
directory filtered in Python through `domain.reach`, which the adapter's SQL mirrors.
"""

import contextlib
import copy
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from herald.contracts import Recipient
from herald.contracts.internal import RequestEnvelope
from herald.contracts.recipient import Contacts
from herald.scheduler.domain.caps import Usage
from herald.scheduler.domain.model import (
    Plan,
    PlanKey,
    PlanState,
    RecipientKey,
    Stopped,
    Timer,
)
from herald.scheduler.domain.pacing import Bucket
from herald.scheduler.ports import PlanChange


@dataclass
class PlanRow:
    state: PlanState
    envelope: RequestEnvelope | None = None
    cursor: str = ""
    expanded: int = 0
    recipients: int = 0
    suppressed: int = 0
    suppressed_by: dict[str, int] = field(default_factory=dict)
    complete: bool = False
    dispatching: bool = False

    def plan(self) -> Plan:
        return Plan(
            self.state,
            self.cursor,
            self.expanded,
            self.recipients,
            self.suppressed,
            self.complete,
            self.dispatching,
        )


@dataclass
class State:
    """Everything the scheduler keeps, as the adapter's tables do."""

    recipients: dict[RecipientKey, Recipient] = field(default_factory=dict)
    plans: dict[PlanKey, PlanRow] = field(default_factory=dict)
    timers: dict[str, Timer] = field(default_factory=dict)
    lanes: dict[tuple[str, str], Bucket] = field(default_factory=dict)
    caps: dict[RecipientKey, dict[str, Usage]] = field(default_factory=dict)
    released: dict[str, tuple[RecipientKey, datetime]] = field(default_factory=dict)
    engagement: dict[tuple[str, str], tuple[RecipientKey, datetime]] = field(default_factory=dict)
    """(tenant, event id) -> the recipient and when."""
    commits: int = 0
    crash_at: int | None = None

    def crash_in(self, n: int) -> None:
        """The n-th transaction from now fails as it would commit (a crash: undone)."""
        self.crash_at = self.commits + n

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Keep the changes if the block ends well, undo them if it raises."""
        before = copy.deepcopy(self.__dict__)
        try:
            yield
            if self.commits + 1 == self.crash_at:
                raise RuntimeError("crashed before the commit")
        except BaseException:
            self.__dict__.update(before | {"crash_at": None})
            raise
        self.commits += 1


class FakePlans:
    def __init__(self, state: State) -> None:
        self.state = state

    async def open(self, envelope: RequestEnvelope) -> Plan:
        req = envelope.request
        row = self.state.plans.setdefault(
            (req.tenant, req.request_id), PlanRow(PlanState.EXPANDING)
        )
        row.envelope = row.envelope or envelope
        return row.plan()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator["FakePlanWork"]:
        async with self.state.transaction():
            yield FakePlanWork(self.state)

    async def finish_expansion(self, key: PlanKey) -> None:
        row = self.state.plans[key]
        row.complete = True
        if row.state == PlanState.STREAMING:
            row.state = PlanState.SCHEDULED

    async def envelopes(self, keys: Sequence[PlanKey]) -> dict[PlanKey, RequestEnvelope]:
        found = {k: self.state.plans[k].envelope for k in keys}
        return {k: env for k, env in found.items() if env is not None}


class FakePlanWork:
    def __init__(self, state: State) -> None:
        self.state = state

    async def lock(self, key: PlanKey) -> Plan | None:
        row = self.state.plans.get(key)
        return row.plan() if row else None

    async def remember_cancel(self, key: PlanKey) -> None:
        self.state.plans.setdefault(key, PlanRow(PlanState.CANCEL_REQUESTED))

    async def change(self, key: PlanKey, change: PlanChange) -> None:
        row = self.state.plans[key]
        for name in ("state", "complete", "recipients", "suppressed"):
            if (value := getattr(change, name)) is not None:
                setattr(row, name, value)
        if change.suppressed_by is not None:
            row.suppressed_by = dict(change.suppressed_by)

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
        row = self.state.plans[key]
        if row.cursor != prev or row.complete:
            return None
        if change is not None:
            await self.change(key, change)
        row.cursor, row.expanded = cursor, row.expanded + n
        if last:
            row.complete = True
            if row.state == PlanState.STREAMING:
                row.state = PlanState.SCHEDULED
        if row.state != PlanState.CANCELLED:
            await self.add_timers(timers)
        return row.state

    async def add_timers(self, timers: Sequence[Timer]) -> None:
        for t in timers:
            self.state.timers.setdefault(t.delivery_id, t)

    async def take_timers(self, key: PlanKey, limit: int) -> list[Stopped]:
        mine = [t for t in self.state.timers.values() if (t.tenant, t.request_id) == key]
        for t in mine[:limit]:
            del self.state.timers[t.delivery_id]
        return [Stopped(t.delivery_id, t.recipient_id, t.deferred) for t in mine[:limit]]


@dataclass
class FakeRecipients:
    state: State

    async def replace(
        self, profiles: Sequence[Recipient], erased: Sequence[tuple[str, str]]
    ) -> None:
        for p in profiles:
            self.state.recipients[(p.tenant, p.recipient_id)] = p
        self._erase(set(erased))

    def _erase(self, keys: set[tuple[str, str]]) -> None:
        s = self.state
        for key in keys:
            s.recipients.pop(key, None)
        s.caps = {k: v for k, v in s.caps.items() if k not in keys}
        s.released = {d: v for d, v in s.released.items() if v[0] not in keys}
        s.engagement = {e: v for e, v in s.engagement.items() if v[0] not in keys}

    @contextlib.asynccontextmanager
    async def contacts(self) -> AsyncIterator["FakeContactsWork"]:
        async with self.state.transaction():
            yield FakeContactsWork(self.state)


@dataclass
class FakeContactsWork:
    state: State

    async def lock(self, keys: Sequence[RecipientKey]) -> dict[RecipientKey, Contacts]:
        known = self.state.recipients
        return {k: known[k].contacts for k in keys if k in known}

    async def save(self, contacts: Mapping[RecipientKey, Contacts]) -> None:
        for k, c in contacts.items():
            self.state.recipients[k] = self.state.recipients[k].model_copy(update={"contacts": c})
