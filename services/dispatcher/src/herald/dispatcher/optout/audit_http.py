"""`GET /v1/consent/{recipient_id}` (admin key of the tenant): a recipient's opt-outs made
through Herald and the audit of every change (who, what, when, how), for support and
for answering a regulator. A recipient with none is an empty answer, not a 404."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from herald.dispatcher.optout.store import PgOptOuts
from herald.runtime.auth import Authenticator, Principal
from herald.runtime.problems import PROBLEM_RESPONSE


def build_audit_http(store: PgOptOuts, auth: Authenticator) -> APIRouter:
    api = APIRouter(tags=["opt-out"])
    admin = auth.requires()

    @api.get("/v1/consent/{recipient_id}", responses={401: PROBLEM_RESPONSE, 403: PROBLEM_RESPONSE})
    async def consent_of(
        recipient_id: str,
        who: Annotated[Principal, admin],
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        """The recipient's current opt-outs and their changes, newest first."""
        opted_out = await store.opted_out(who.tenant, recipient_id)
        changes = await store.history(who.tenant, recipient_id, limit)
        return {
            "recipient_id": recipient_id,
            "opted_out": [{"category": c, "channel": ch} for c, ch in sorted(opted_out)],
            "changes": changes,
        }

    return api
