"""Scheduler's dry run over HTTP: who a request would reach and when, nothing kept."""

from typing import Annotated, Any

from fastapi import APIRouter

from herald.contracts import PushRequest
from herald.runtime.auth import Authenticator, Principal, Role, submits_for_own_tenant
from herald.runtime.identity import requester_is_caller
from herald.runtime.problems import PROBLEM_RESPONSE
from herald.scheduler.dry_run import DryRun

_ERRORS: dict[int | str, dict[str, Any]] = dict.fromkeys(
    (400, 401, 403, 413, 422, 503), PROBLEM_RESPONSE
)


def build_dry_run_http(dry_run: DryRun, auth: Authenticator) -> APIRouter:
    api = APIRouter(prefix="/v1/dry-run", tags=["dry run"])

    @api.post("", responses=_ERRORS)
    async def plan(
        body: PushRequest, who: Annotated[Principal, auth.requires(Role.SUBMITTER)]
    ) -> dict[str, Any]:
        """Who this request would reach and when; nothing is planned, stored or sent."""
        submits_for_own_tenant(who, body.tenant)
        requester_is_caller(who, body)  # as on intake: nobody dry-runs as someone else
        return await dry_run.run(body)

    return api
