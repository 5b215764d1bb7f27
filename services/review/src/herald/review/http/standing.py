"""The strike ladder over HTTP: who has a standing, and admins' reinstatement."""

from typing import Annotated, Any

from fastapi import APIRouter

from herald.contracts import ReasonCode
from herald.review.violations import KINDS, Violations
from herald.runtime.auth import Authenticator, Principal, Role
from herald.runtime.problems import Problem, problems

_ERRORS = problems(401, 403, 404, 409)


def build_standing_http(violations: Violations, auth: Authenticator) -> APIRouter:
    api = APIRouter(prefix="/v1/standing", tags=["standing"])

    @api.get("", responses=_ERRORS)
    async def standings(
        who: Annotated[Principal, auth.requires(Role.REVIEWER, Role.VIEWER)],
    ) -> dict[str, Any]:
        """Requesters and departments of the caller's tenant that have a standing."""
        found = await violations.listing(who.tenant)
        return {"standing": [c.model_dump(mode="json") for c in found]}

    @api.post("/{subject_kind}/{subject}/reinstate", responses=_ERRORS)
    async def reinstate(
        subject_kind: str, subject: str, who: Annotated[Principal, auth.requires()]
    ) -> dict[str, str]:
        """Admins only: back to good standing; earlier strikes stop counting."""
        if subject_kind not in KINDS:
            raise Problem(404, ReasonCode.NOT_FOUND, "Not found", f"no kind {subject_kind}")
        await violations.reinstate(who.tenant, subject_kind, subject, who.user)
        return {"subject_kind": subject_kind, "subject": subject, "standing": "good"}

    return api
