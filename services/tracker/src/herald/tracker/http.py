"""Tracker's HTTP API: the report of a request."""

from typing import Annotated, Any

from fastapi import APIRouter

from herald.contracts import ReasonCode
from herald.runtime.auth import Authenticator, Principal, Role
from herald.runtime.problems import PROBLEM_RESPONSE, Problem
from herald.tracker.ledger import Ledger
from herald.tracker.report import build_report

_PROBLEM = PROBLEM_RESPONSE


def build_http(ledger: Ledger, auth: Authenticator) -> APIRouter:
    api = APIRouter(tags=["reports"])

    @api.get("/v1/requests/{request_id}/report", responses={401: _PROBLEM, 404: _PROBLEM})
    async def report(
        request_id: str,
        who: Annotated[Principal, auth.requires(Role.VIEWER, Role.SUBMITTER, Role.REVIEWER)],
    ) -> dict[str, Any]:
        """Counts by channel, read rate and click rate (both over delivered)."""
        row = await ledger.request(who.tenant, request_id)
        if row is None:
            raise Problem(404, ReasonCode.NOT_FOUND, "Not found", f"no report for {request_id}")
        rows = await ledger.by_channel(who.tenant, request_id)
        body = build_report(row["recipients"] or 0, rows).as_json()
        return {
            "request_id": request_id,
            "tenant": who.tenant,
            "department": row["department"],
            "labels": row["labels"],
            "status": row["final_status"],
            **body,
        }

    return api
