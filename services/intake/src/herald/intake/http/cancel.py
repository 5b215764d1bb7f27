"""Cancel over HTTP: a request is its submitter's department's to cancel, or an admin's.

The department is the one intake recorded from the submitter's credential (for a request
from before that was kept, the body's). Anyone else of the tenant is refused (403);
another tenant's request does not exist for the caller (404).
"""

from typing import Annotated

from fastapi import APIRouter

from herald.contracts import TERMINAL_STATUSES, ReasonCode
from herald.intake.domain import RequestRecord
from herald.intake.ports import RequestRepository
from herald.intake.submission import Intake
from herald.runtime.auth import Authenticator, Principal, Role, same_tenant
from herald.runtime.identity import same_person
from herald.runtime.problems import Problem, problems


def may_cancel(who: Principal, record: RequestRecord) -> bool:
    if who.role == Role.ADMIN:
        return True
    return (
        who.role == Role.SUBMITTER
        and who.department is not None
        and same_person(who.department, record.department)
    )


def build_cancel_http(intake: Intake, repo: RequestRepository, auth: Authenticator) -> APIRouter:
    api = APIRouter(prefix="/v1/requests", tags=["requests"])

    @api.post("/{request_id}/cancel", status_code=202, responses=problems(401, 403, 404, 409))
    async def cancel(
        request_id: str, who: Annotated[Principal, auth.requires(Role.SUBMITTER)]
    ) -> dict[str, str]:
        """Cancel what has not been sent yet; the request ends in `cancelled`. Allowed to a
        submitter of the request's department, or an admin."""
        await cancel_as(who, request_id, intake, repo)
        return {"request_id": request_id, "status": "cancelling"}

    return api


async def cancel_as(
    who: Principal, request_id: str, intake: Intake, repo: RequestRepository
) -> None:
    """Ask for the request to be cancelled as `who`, or raise the Problem to answer (the
    API's and the portal's one rule)."""
    record = await repo.get(who.tenant, request_id)
    if record is None:
        raise Problem(404, ReasonCode.NOT_FOUND, "Not found", f"no request {request_id}")
    same_tenant(who, record.tenant)
    if not may_cancel(who, record):
        mine = f"department {who.department}" if who.department else "no department"
        raise Problem(
            403,
            ReasonCode.UNAUTHORIZED,
            "Forbidden",
            f"request {request_id} belongs to department {record.department}; this key "
            f"({mine}) may not cancel it: only a submitter of that department or an "
            "admin may",
        )
    if record.status is not None and record.status.status in TERMINAL_STATUSES:
        raise Problem(
            409,
            ReasonCode.INVALID_REQUEST,
            "Already finished",
            f"the request is {record.status.status}",
        )
    await intake.cancel(who.tenant, request_id, who.user, who.key_id)
