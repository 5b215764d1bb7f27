"""Review's HTTP API for template versions: those waiting for a human, one version's
review, and a human's decision (four eyes: never the person who published it)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from herald.contracts import ReasonCode, StatusKind
from herald.contracts.common import ID_PATTERN
from herald.contracts.templates import MAX_VERSION
from herald.review.domain import HumanDecision, may_decide
from herald.review.http.reviews import DecisionBody, decision_of, state_of
from herald.review.templates.ports import TemplateReview, TemplateReviewStore
from herald.review.templates.reviewing import TemplateReviewer
from herald.runtime.auth import Authenticator, Principal, Role
from herald.runtime.problems import Problem, problems

_ERRORS = problems(401, 403, 404, 409)
VersionNo = Annotated[int, Path(ge=1, le=MAX_VERSION)]
Name = Annotated[str, Path(pattern=ID_PATTERN)]
_STATES = {
    "pending": StatusKind.PENDING_REVIEW,
    "approved": StatusKind.APPROVED,
    "rejected": StatusKind.REJECTED,
}


def view(review: TemplateReview) -> dict[str, Any]:
    r = review.requested
    return {
        "tenant": r.tenant,
        "name": r.name,
        "version": r.version,
        "state": state_of(review),
        "submitter": r.submitter.model_dump(),
        "category": str(r.category),
        "channels": [str(c) for c in r.channels],
        "texts": r.texts.model_dump(mode="json", exclude_none=True),
        **decision_of(review),
    }


def build_template_reviews_http(
    reviewer: TemplateReviewer, store: TemplateReviewStore, auth: Authenticator
) -> APIRouter:
    api = APIRouter(prefix="/v1/template-reviews", tags=["template reviews"])

    async def found(tenant: str, name: str, version: int) -> TemplateReview:
        review = await store.get(tenant, name, version)
        if review is None:
            raise Problem(
                404, ReasonCode.NOT_FOUND, "Not found", f"no review of {name} version {version}"
            )
        return review

    @api.get("", responses=_ERRORS)
    async def queue(
        who: Annotated[Principal, auth.requires(Role.REVIEWER)],
        state: Literal["pending", "approved", "rejected"] = "pending",
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        """Template versions of the caller's tenant in a state, oldest first."""
        reviews = await store.listing(who.tenant, _STATES[state], limit)
        return {"reviews": [view(r) for r in reviews]}

    @api.get("/{name}/{version}", responses=_ERRORS)
    async def one(
        name: Name, version: VersionNo, who: Annotated[Principal, auth.requires(Role.REVIEWER)]
    ) -> dict[str, Any]:
        return view(await found(who.tenant, name, version))

    @api.post("/{name}/{version}/decision", responses=_ERRORS | problems(400))
    async def decision(
        name: Name,
        version: VersionNo,
        body: DecisionBody,
        who: Annotated[Principal, auth.requires(Role.REVIEWER)],
    ) -> dict[str, Any]:
        """Approve or reject a version waiting for a human."""
        review = await found(who.tenant, name, version)
        if not may_decide(who.user, who.key_id, review.requested.submitter):
            raise Problem(
                403,
                ReasonCode.UNAUTHORIZED,
                "Forbidden",
                f"four eyes: {who.user} published {name} version {version} and may not decide it",
            )
        human = HumanDecision(body.decision == "approve", who.user, body.note)
        decided = await reviewer.decide_by_human(who.tenant, name, version, human)
        if decided is None:
            raise Problem(
                409,
                ReasonCode.INVALID_REQUEST,
                "Not pending",
                f"version {version} is {review.state}, not waiting for a human",
            )
        return view(decided)

    return api
