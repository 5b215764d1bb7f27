"""Scheduler's recipient lookup: the directory is kept here, so one recipient is read
here (`GET /v1/recipients/{recipient_id}`), in the caller's tenant only."""

from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Path

from herald.contracts import ID_PATTERN_RE, ReasonCode, Recipient
from herald.runtime.auth import Authenticator, Principal, Role
from herald.runtime.problems import PROBLEM_RESPONSE, Problem

_ERRORS: dict[int | str, dict[str, Any]] = dict.fromkeys((401, 403, 404, 503), PROBLEM_RESPONSE)


class RecipientLookup(Protocol):
    async def get(self, tenant: str, recipient_id: str) -> Recipient | None: ...


def build_recipients_http(lookup: RecipientLookup, auth: Authenticator) -> APIRouter:
    api = APIRouter(prefix="/v1/recipients", tags=["recipients"])

    @api.get("/{recipient_id}", responses=_ERRORS)
    async def get_recipient(
        recipient_id: Annotated[str, Path(max_length=128)],
        who: Annotated[Principal, auth.requires(Role.DIRECTORY)],
    ) -> Recipient:
        """One recipient of the caller's tenant as the directory holds it now (an import
        or erasure shows here once the scheduler has consumed it)."""
        found = None
        if ID_PATTERN_RE.match(recipient_id):
            found = await lookup.get(who.tenant, recipient_id)
        if found is None:
            raise Problem(404, ReasonCode.NOT_FOUND, "Not found", "no such recipient")
        return found

    return api
