"""The violations board over HTTP: `GET /v1/violations` (what is shown to whom: the
review policy's `violations`)."""

from typing import Annotated, Any

from fastapi import APIRouter

from herald.contracts import ReasonCode
from herald.review.board import Board
from herald.review.domain.board import NotShownError
from herald.runtime.auth import Authenticator, Principal, Role
from herald.runtime.problems import Problem, problems


def build_violations_http(board: Board, auth: Authenticator) -> APIRouter:
    api = APIRouter(prefix="/v1/violations", tags=["standing"])

    @api.get("", responses=problems(401, 403))
    async def violations(
        who: Annotated[Principal, auth.requires(Role.SUBMITTER, Role.REVIEWER, Role.VIEWER)],
    ) -> dict[str, Any]:
        """Warned, restricted and banned requesters and departments of the caller's tenant,
        worst first: standing and since when, strikes in the ladder's window with their
        dates, reason codes and (where the policy shows them) request ids and excerpts.
        Roles the policy does not name get 403; a department's people see only their own
        department unless the policy says otherwise."""
        try:
            return await board.listing(who)
        except NotShownError as exc:
            raise Problem(
                403,
                ReasonCode.UNAUTHORIZED,
                "Forbidden",
                f"the violations board is shown to {exc} (review policy: violations.visible_to)",
            ) from exc

    return api
