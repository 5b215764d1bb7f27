"""Review's HTTP API for reviewers: the human review queue, decisions (four eyes), and the
audit log."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from herald.contracts import ReasonCode, StatusKind
from herald.review.domain import HumanDecision, may_decide
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


def view(review: Review) -> dict[str, Any]:
    env = review.envelope
    req = env.request if env else None
    return {
        "request_id": review.request_id,
        "tenant": review.tenant,
        "state": "pending" if review.state == StatusKind.PENDING_REVIEW else str(review.state),
        "requester": req.requester.model_dump() if req else None,
        "category": str(req.category) if req else None,
        "channels": [str(c) for c in req.channels] if req else [],
        "content": req.content.model_dump(mode="json") if req else None,
        "reasons": [r.model_dump(mode="json") for r in review.reasons],
        "findings": review.findings,
        "waiting_since": review.created_at.isoformat(),
        "decided_at": review.decided_at.isoformat() if review.decided_at else None,
        "decided_by": review.decided_by,
        "note": review.note,
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
        """Approve or reject a pending request; the reviewer is the caller (never its requester)."""
        review = await repo.get(who.tenant, request_id)
        if review is None:
            raise _not_found(request_id)
        if not may_decide(who.user, review.requester or ""):
            raise Problem(
                403,
                ReasonCode.UNAUTHORIZED,
                "Forbidden",
                "four eyes: the requester may not review their own request",
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
