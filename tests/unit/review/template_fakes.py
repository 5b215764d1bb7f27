"""A hand-written TemplateReviewStore for the template review's unit tests."""

import dataclasses
from datetime import datetime

from herald.contracts import StatusKind
from herald.contracts.template_review import TemplateReviewRequested
from herald.review.domain import Decision, HumanDecision, human_reasons
from herald.review.templates.ports import TemplateReview

Key = tuple[str, str, int]


class FakeTemplateReviewStore:
    def __init__(self) -> None:
        self.rows: dict[Key, TemplateReview] = {}

    async def record(
        self, requested: TemplateReviewRequested, decision: Decision, at: datetime
    ) -> TemplateReview:
        key = (requested.tenant, requested.name, requested.version)
        if key not in self.rows:
            findings = [dataclasses.asdict(f) for f in decision.findings]
            self.rows[key] = TemplateReview(
                requested, decision.state, decision.reasons, findings, at
            )
        return self.rows[key]

    async def get(self, tenant: str, name: str, version: int) -> TemplateReview | None:
        return self.rows.get((tenant, name, version))

    async def listing(self, tenant: str, state: StatusKind, limit: int) -> list[TemplateReview]:
        return [r for (t, _, _), r in self.rows.items() if t == tenant and r.state == state]

    async def decide(
        self, tenant: str, name: str, version: int, decision: HumanDecision, at: datetime
    ) -> TemplateReview | None:
        found = self.rows.get((tenant, name, version))
        if found is None or found.state != StatusKind.PENDING_REVIEW:
            return None
        decided = dataclasses.replace(
            found, state=decision.state, reasons=human_reasons(decision),
            decided_by=decision.reviewer, decided_at=at,
        )  # fmt: skip
        self.rows[(tenant, name, version)] = decided
        return decided

    async def mark_emitted(self, tenant: str, name: str, version: int) -> None:
        key = (tenant, name, version)
        self.rows[key] = dataclasses.replace(self.rows[key], emitted=True)

    async def unannounced(self, decided_before: datetime) -> list[TemplateReview]:
        return [
            r
            for r in self.rows.values()
            if not r.emitted
            and r.state != StatusKind.PENDING_REVIEW
            and r.decided_at is not None
            and r.decided_at < decided_before
        ]
