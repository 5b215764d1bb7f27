"""Dry run: what would happen to a request, sending and storing nothing.

Intake validates exactly as the real path does (the caller, `http`, uses the same
`parse_request` and the same requester check), says what it would answer itself
(accepted, duplicate, conflict, or rejected for the submitter's standing: reads only),
and asks review and the scheduler for theirs, concurrently. Nothing is claimed,
published or written anywhere.
"""

import asyncio
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from herald.contracts import PushRequest
from herald.contracts.internal import Submitter
from herald.intake.domain import dry_run_view, restriction
from herald.intake.ports import Adviser, AdviserUnavailable, RequestRepository

Basis = Literal["exact", "extrapolated"]


class DryRunSample(BaseModel):
    timed: int
    """Reachable recipients timed."""
    reachable: int
    share: float
    """timed / reachable."""


class DryRunAnswer(BaseModel):
    """The answer of `POST /v1/requests?dry_run=true` (documentation of its shape)."""

    dry_run: Literal[True] = True
    valid: bool
    request_id: str
    intake: dict[str, Any]
    """`outcome`: accepted | duplicate | conflict | rejected, with `reasons`."""
    review: dict[str, Any]
    """Review's `decision` (approved | pending_review | rejected), `findings`, whether a
    human would be required."""
    schedule: dict[str, Any]
    """Audience size, suppressions and deferrals by reason, the send-time spread, when
    each lane's last send would go."""
    figures: dict[str, Basis] = Field(default_factory=dict)
    """Each figure of `schedule` by its path in this answer (`schedule.would_send`,
    `schedule.pacing.lanes[].last`): `exact` (counted over the whole audience) or
    `extrapolated` (timed on a sample and scaled). Empty if the scheduler did not say."""
    sample: DryRunSample | None = None
    """The sample the extrapolated figures come from; None when every reachable
    recipient was timed."""


class AdvisersUnavailable(Exception):  # noqa: N818
    def __init__(self, down: list[AdviserUnavailable]) -> None:
        super().__init__("; ".join(map(str, down)))
        self.names = [d.name for d in down]


class DryRun:
    def __init__(self, repo: RequestRepository, review: Adviser, scheduler: Adviser) -> None:
        self._repo = repo
        self._advisers = (review, scheduler)

    async def run(
        self, request: PushRequest, submitter: Submitter, authorization: str, trace_id: str
    ) -> DryRunAnswer:
        """Raises AdvisersUnavailable naming who could not answer, or AdviserRefused."""
        asked = asyncio.gather(
            *(a.advise(request, authorization, trace_id) for a in self._advisers),
            return_exceptions=True,
        )
        own = await self._own(request, submitter)
        review, schedule = await asked
        down = [a for a in (review, schedule) if isinstance(a, AdviserUnavailable)]
        if down:
            raise AdvisersUnavailable(down)
        for answer in (review, schedule):
            if isinstance(answer, BaseException):
                raise answer
        assert isinstance(review, dict)
        assert isinstance(schedule, dict)
        figures, sample = _estimates(schedule)
        return DryRunAnswer(
            valid=True,
            request_id=request.request_id,
            intake=own,
            review=review,
            schedule=schedule,
            figures=figures,
            sample=sample,
        )

    async def _own(self, request: PushRequest, submitter: Submitter) -> dict[str, Any]:
        existing = await self._repo.get(request.tenant, request.request_id)
        requester, department = await self._repo.standing(
            request.tenant, submitter.user, submitter.department
        )
        return dry_run_view(request, existing, restriction(request, requester, department))


def _estimates(schedule: dict[str, Any]) -> tuple[dict[str, Basis], DryRunSample | None]:
    """The scheduler's marks of its figures, as paths of the combined answer."""
    marks = schedule.get("figures")
    figures: dict[str, Basis] = {}
    if isinstance(marks, dict):
        figures = {f"schedule.{k}": v for k, v in marks.items() if v in ("exact", "extrapolated")}
    try:
        sample = DryRunSample.model_validate(schedule["sample"]) if schedule.get("sample") else None
    except ValidationError:
        sample = None
    return figures, sample
