"""A template version's review as review keeps it, and where it is kept."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from herald.contracts import Reason, StatusKind
from herald.contracts.template_review import TemplateReviewRequested
from herald.review.domain import Decision, HumanDecision


@dataclass(frozen=True, slots=True)
class TemplateReview:
    requested: TemplateReviewRequested
    state: StatusKind
    reasons: tuple[Reason, ...]
    findings: list[dict[str, Any]]
    created_at: datetime
    decided_by: str | None = None
    note: str | None = None
    decided_at: datetime | None = None
    emitted: bool = False

    @property
    def key(self) -> tuple[str, str, int]:
        r = self.requested
        return r.tenant, r.name, r.version


class TemplateReviewStore(Protocol):
    async def record(
        self, requested: TemplateReviewRequested, decision: Decision, at: datetime
    ) -> TemplateReview:
        """The decision, kept once per version: a redelivered request gets the first."""
        ...

    async def get(self, tenant: str, name: str, version: int) -> TemplateReview | None: ...

    async def listing(self, tenant: str, state: StatusKind, limit: int) -> list[TemplateReview]: ...

    async def decide(
        self, tenant: str, name: str, version: int, decision: HumanDecision, at: datetime
    ) -> TemplateReview | None:
        """A human's decision on a pending version; None if it is not pending."""
        ...

    async def mark_emitted(self, tenant: str, name: str, version: int) -> None: ...

    async def unannounced(self, decided_before: datetime) -> list[TemplateReview]:
        """Final decisions not yet marked announced, decided before then (a crash came
        between deciding and announcing)."""
        ...
