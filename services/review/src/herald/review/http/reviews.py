"""Review's HTTP API for reviewers: the human review queue, decisions (four eyes), and the
audit log."""

from datetime import datetime
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from herald.contracts import Reason, ReasonCode, StatusKind
from herald.review.domain import HumanDecision, may_decide_on, submitter_of
from herald.review.ports import AuditEntry, Review, ReviewRepository
from herald.review.reviewing import Reviewer
from herald.runtime.auth import Authenticator, Principal, Role
from herald.runtime.problems import Problem, problems

_ERRORS = problems(401, 403, 404, 409)
_STATES = {
    "pending": StatusKind.PENDING_REVIEW,
    "approved": StatusKind.APPROVED,
    "rejected": StatusKind.REJECTED,
    "cancelled": StatusKind.CANCELLED,
    "expired": StatusKind.EXPIRED,
}


class DecisionBody(BaseModel):
    decision: Literal["approve", "reject"]
    note: str = Field(default="", max_length=2000)


class Decided(Protocol):
    """What a review of a request and a review of a template version both say."""

    @property
    def state(self) -> StatusKind: ...
    @property
    def reasons(self) -> tuple[Reason, ...]: ...
    @property
    def findings(self) -> list[dict[str, Any]]: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def decided_at(self) -> datetime | None: ...
    @property
    def decided_by(self) -> str | None: ...
    @property
    def note(self) -> str | None: ...


def state_of(review: Decided) -> str:
    return "pending" if review.state == StatusKind.PENDING_REVIEW else str(review.state)


def decision_of(review: Decided) -> dict[str, Any]:
    """The reasons, findings and decision of a review, as both review APIs show them."""
    return {
        "reasons": [r.model_dump(mode="json") for r in review.reasons],
        "findings": review.findings,
        "waiting_since": review.created_at.isoformat(),
        "decided_at": review.decided_at.isoformat() if review.decided_at else None,
        "decided_by": review.decided_by,
        "note": review.note,
    }


def view(review: Review) -> dict[str, Any]:
    env = review.envelope
    req = env.request if env else None
    return {
        "request_id": review.request_id,
        "tenant": review.tenant,
        "state": state_of(review),
        "requester": req.requester.model_dump() if req else None,
        "submitter": submitter_of(env).model_dump() if env else None,
        "category": str(req.category) if req else None,
        "channels": [str(c) for c in req.channels] if req else [],
        "content": req.content.model_dump(mode="json") if req else None,
        **decision_of(review),
    }


def _not_found(request_id: str) -> Problem:
    return Problem(404, ReasonCode.NOT_FOUND, "Not found", f"no review of {request_id}")


def build_reviews_http(
    reviewer: Reviewer, repo: ReviewRepository, auth: Authenticator
) -> APIRouter:
    api = APIRouter(prefix="/v1/reviews", tags=["reviews"])
    readers = auth.requires(Role.REVIEWER, Role.VIEWER)

    @api.get("", responses=_ERRORS)
    async def queue(
        who: Annotated[Principal, auth.requires(Role.REVIEWER)],
        state: Literal["pending", "approved", "rejected", "cancelled", "expired"] = "pending",
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        """Requests of the caller's tenant in a state (by default those waiting for a human)."""
        found = await repo.listing(who.tenant, _STATES[state], limit)
        return {"reviews": [view(r) for r in found]}

    @api.get("/{request_id}", responses=_ERRORS)
    async def one(request_id: str, who: Annotated[Principal, readers]) -> dict[str, Any]:
        review = await repo.get(who.tenant, request_id)
        if review is None:
            raise _not_found(request_id)
        return view(review)

    @api.post("/{request_id}/decision", responses=_ERRORS | problems(400))
    async def decision(
        request_id: str, body: DecisionBody, who: Annotated[Principal, auth.requires(Role.REVIEWER)]
    ) -> dict[str, Any]:
        """Approve or reject a pending request; the reviewer is the caller, never its
        submitter (compared by user and by API key, whatever the body says)."""
        review = await repo.get(who.tenant, request_id)
        if review is None:
            raise _not_found(request_id)
        if not may_decide_on(who.user, who.key_id, review.envelope):
            raise Problem(
                403,
                ReasonCode.UNAUTHORIZED,
                "Forbidden",
                f"four eyes: {who.user} (key {who.key_id}) submitted {request_id} and may not "
                "decide it, under any name or key",
            )
        human = HumanDecision(body.decision == "approve", who.user, body.note)
        decided = await reviewer.decide_by_human(who.tenant, request_id, human)
        if decided is None:
            raise Problem(
                409,
                ReasonCode.INVALID_REQUEST,
                "Not pending",
                f"the request is {review.state}, not waiting for a human",
            )
        return view(decided)

    @api.get("/{request_id}/audit", responses=_ERRORS)
    async def audit(request_id: str, who: Annotated[Principal, readers]) -> dict[str, Any]:
        """Every automatic and human decision on the request (read-only)."""
        entries = await repo.audit(who.tenant, request_id)
        if not entries:
            raise _not_found(request_id)
        return {"request_id": request_id, "entries": [_entry(e) for e in entries]}

    return api


def _entry(e: AuditEntry) -> dict[str, Any]:
    return {
        "actor": e.actor,
        "action": e.action,
        "at": e.at.isoformat(),
        "note": e.note,
        "reasons": e.reasons,
        "findings": e.findings,
    }
