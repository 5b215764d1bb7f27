"""Hand-written fakes of review's storage ports, with the same idempotency rules."""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from herald.contracts import StatusKind
from herald.contracts.internal import CancelRequested, RequestEnvelope, Standing, StandingChanged
from herald.review.domain import Decision, HumanDecision, human_reasons
from herald.review.ports import AuditEntry, QueueStat, Recorded, Review

Key = tuple[str, str]
_FINAL = {StatusKind.APPROVED, StatusKind.REJECTED, StatusKind.CANCELLED, StatusKind.EXPIRED}


@dataclass
class FakeReviewRepository:
    rows: dict[Key, Review] = field(default_factory=dict)
    audit_log: list[AuditEntry] = field(default_factory=list)
    strikes: dict[tuple[str, str, str, str], datetime] = field(default_factory=dict)
    expires: dict[Key, datetime] = field(default_factory=dict)

    def _audit(self, r: Review, actor: str, action: str, at: datetime, note: str = "") -> None:
        self.audit_log.append(
            AuditEntry(len(self.audit_log) + 1, r.request_id, None, actor, action,
                       [x.model_dump(mode="json") for x in r.reasons], r.findings, note, at)
        )  # fmt: skip

    def _strike(self, r: Review, at: datetime) -> None:
        for kind, subject in (("requester", r.requester), ("department", r.department)):
            self.strikes.setdefault((r.tenant, kind, subject or "", r.request_id), at)

    async def record(self, envelope: RequestEnvelope, decision: Decision, at: datetime) -> Recorded:
        req = envelope.request
        key = (req.tenant, req.request_id)
        if key in self.rows:
            row = self.rows[key]
            if row.envelope is None:
                row = replace(row, envelope=envelope, requester=req.requester.user,
                              department=req.requester.department)  # fmt: skip
                self.rows[key] = row
            return Recorded(row, fresh=False)
        final = decision.state != StatusKind.PENDING_REVIEW
        row = Review(
            req.tenant, req.request_id, decision.state, envelope, req.requester.user,
            req.requester.department, decision.reasons,
            [dataclasses.asdict(f) for f in decision.findings], False, at,
            at if final else None, "rules" if final else None, decision.why or None,
        )  # fmt: skip
        self.rows[key] = row
        if req.schedule and req.schedule.expires_at:
            self.expires[key] = req.schedule.expires_at
        self._audit(row, "rules", str(decision.state), at, decision.why)
        if decision.state == StatusKind.REJECTED:
            self._strike(row, at)
        return Recorded(row, fresh=True)

    async def decide(
        self, tenant: str, request_id: str, decision: HumanDecision, at: datetime
    ) -> Review | None:
        row = self.rows.get((tenant, request_id))
        if row is None or row.state != StatusKind.PENDING_REVIEW:
            return None
        row = replace(row, state=decision.state, reasons=human_reasons(decision), emitted=False,
                      decided_at=at, decided_by=decision.reviewer, note=decision.note)  # fmt: skip
        self.rows[(tenant, request_id)] = row
        self._audit(row, decision.reviewer, str(decision.state), at, decision.note)
        if not decision.approve:
            self._strike(row, at)
        return row

    async def cancel(self, event: CancelRequested) -> Review | None:
        key = (event.tenant, event.request_id)
        row = self.rows.get(key)
        if row is None:
            row = Review(event.tenant, event.request_id, StatusKind.CANCELLED, None, None, None,
                         (), [], False, event.at, event.at, event.by)  # fmt: skip
        elif row.state == StatusKind.PENDING_REVIEW:
            row = replace(row, state=StatusKind.CANCELLED, emitted=False, decided_by=event.by,
                          decided_at=event.at, reasons=())  # fmt: skip
        else:
            return None
        self.rows[key] = row
        self._audit(row, event.by, "cancelled", event.at)
        return row if row.envelope is not None else None

    async def expire(self, now: datetime, waited_since: datetime) -> list[Review]:
        out = []
        for key, row in list(self.rows.items()):
            late = key in self.expires and self.expires[key] <= now
            if row.state == StatusKind.PENDING_REVIEW and (row.created_at < waited_since or late):
                done = replace(row, state=StatusKind.EXPIRED, emitted=False, decided_at=now,
                               decided_by="clock")  # fmt: skip
                self.rows[key] = done
                self._audit(done, "clock", "expired", now)
                out.append(done)
        return out

    async def unannounced(self, decided_before: datetime) -> list[Review]:
        return [
            r
            for r in self.rows.values()
            if not r.emitted and r.state in _FINAL and r.envelope and r.decided_at
            and r.decided_at < decided_before
        ]  # fmt: skip

    async def mark_emitted(self, tenant: str, request_id: str) -> None:
        self.rows[(tenant, request_id)] = replace(self.rows[(tenant, request_id)], emitted=True)

    async def get(self, tenant: str, request_id: str) -> Review | None:
        row = self.rows.get((tenant, request_id))
        return row if row and row.envelope else None

    async def listing(self, tenant: str, state: StatusKind, limit: int) -> list[Review]:
        return [r for r in self.rows.values() if r.tenant == tenant and r.state == state][:limit]

    async def audit(self, tenant: str, request_id: str) -> list[AuditEntry]:
        return [a for a in self.audit_log if a.request_id == request_id]

    async def queue(self) -> list[QueueStat]:
        pending = [r for r in self.rows.values() if r.state == StatusKind.PENDING_REVIEW]
        tenants = {r.tenant for r in pending}
        return [
            QueueStat(t, sum(1 for r in pending if r.tenant == t),
                      min(r.created_at for r in pending if r.tenant == t))
            for t in tenants
        ]  # fmt: skip


@dataclass
class FakeStandingRepository:
    reviews: FakeReviewRepository
    rows: dict[tuple[str, str, str], StandingChanged] = field(default_factory=dict)
    resets: dict[tuple[str, str, str], datetime] = field(default_factory=dict)
    pending: set[tuple[str, str, str]] = field(default_factory=set)

    async def strikes(self, tenant: str, kind: str, subject: str, since: datetime) -> int:
        reset = self.resets.get((tenant, kind, subject))
        return sum(
            1
            for (t, k, s, _), at in self.reviews.strikes.items()
            if (t, k, s) == (tenant, kind, subject) and at >= since and (not reset or at > reset)
        )

    async def current(self, tenant: str, kind: str, subject: str) -> Standing:
        row = self.rows.get((tenant, kind, subject))
        return row.standing if row else Standing.GOOD

    async def requester_and_department(
        self, tenant: str, requester: str, department: str
    ) -> tuple[Standing, Standing]:
        return (
            await self.current(tenant, "requester", requester),
            await self.current(tenant, "department", department),
        )

    async def change(
        self, tenant: str, kind: str, subject: str, to: Standing, at: datetime
    ) -> bool:
        key = (tenant, kind, subject)
        self.rows[key] = StandingChanged(
            tenant=tenant, subject_kind=kind, subject=subject, standing=to, at=at
        )
        self.pending.add(key)
        return True

    async def reinstate(self, tenant: str, kind: str, subject: str, by: str, at: datetime) -> None:
        await self.change(tenant, kind, subject, Standing.GOOD, at)
        self.resets[(tenant, kind, subject)] = at

    async def unpublished(self) -> list[StandingChanged]:
        return [self.rows[k] for k in sorted(self.pending)]

    async def mark_published(self, changes: Sequence[StandingChanged]) -> None:
        for c in changes:
            self.pending.discard((c.tenant, c.subject_kind, c.subject))

    async def listing(self, tenant: str) -> list[StandingChanged]:
        return [c for c in self.rows.values() if c.tenant == tenant]
