"""The recipient API over HTTP, in the caller's tenant only (role `directory` or admin):

- `POST /v1/recipients/import?mode=all_or_nothing|best_effort`: an NDJSON
  (`application/x-ndjson`) or CSV (`text/csv`) body, streamed and checked line by line;
  answers with a report of every line refused (the first 1,000 listed). `all_or_nothing`
  (the default) publishes nothing unless every line is good (else 422 with the report),
  `best_effort` publishes the good lines; `dry_run=true` checks and publishes nothing;
- `GET /v1/recipients/{recipient_id}`: the recipient as the directory holds it now
  (asked of the scheduler, which keeps the directory);
- `DELETE /v1/recipients/{recipient_id}`: erase the recipient everywhere Herald keeps
  anything about them (a tombstone on push.recipients.v1; 202, done within seconds).
"""

from typing import Annotated, Any, Protocol

import structlog
from fastapi import APIRouter, Path, Query, Request

from herald.contracts import ID_PATTERN_RE, ReasonCode
from herald.intake.recipients.importing import Format, Importer, Mode, RecipientPublisher
from herald.intake.recipients.parsing import HeaderError
from herald.runtime.auth import Authenticator, Principal, Role
from herald.runtime.problems import Problem, problems

log = structlog.get_logger(__name__)
IMPORT_PATH = "/v1/recipients/import"
# deliberate declaration: media types accepted, as data
_FORMATS = {
    "application/x-ndjson": Format.NDJSON,
    "application/jsonl": Format.NDJSON,
    "application/ndjson": Format.NDJSON,
    "text/csv": Format.CSV,
}
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-ndjson": {"schema": {"type": "string", "description": "Recipients"}},
            "text/csv": {"schema": {"type": "string", "description": "A header, then rows"}},
        },
    }
}


class DirectoryReader(Protocol):
    async def get(self, recipient_id: str, authorization: str) -> dict[str, Any] | None: ...


def _format(request: Request, given: Format | None) -> Format:
    if given is not None:
        return given
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in _FORMATS:
        raise Problem(
            415,
            ReasonCode.INVALID_REQUEST,
            "Unsupported media type",
            "send application/x-ndjson or text/csv (or say ?format=ndjson|csv)",
        )
    return _FORMATS[kind]


def _id(recipient_id: str) -> str:
    if not ID_PATTERN_RE.match(recipient_id):
        raise Problem(404, ReasonCode.NOT_FOUND, "Not found", "no such recipient")
    return recipient_id


def build_recipients_http(
    importer: Importer,
    publisher: RecipientPublisher,
    directory: DirectoryReader,
    auth: Authenticator,
) -> APIRouter:
    api = APIRouter(prefix="/v1/recipients", tags=["recipients"])
    who_may = auth.requires(Role.DIRECTORY)

    @api.post("/import", responses=problems(401, 403, 413, 415), openapi_extra=_BODY)
    async def import_recipients(
        request: Request,
        who: Annotated[Principal, who_may],
        mode: Mode = Mode.ALL_OR_NOTHING,
        format: Annotated[Format | None, Query()] = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Import recipients into the caller's tenant (profiles replace earlier ones);
        `dry_run=true` checks every line and publishes nothing."""
        fmt = _format(request, format)
        try:
            report = await importer.run(who.tenant, request.stream(), fmt, mode, dry_run=dry_run)
        except HeaderError as exc:
            raise Problem(422, ReasonCode.INVALID_REQUEST, "Invalid CSV header", str(exc)) from exc
        log.info(
            "recipients_imported",
            tenant=who.tenant,
            by=who.key_id,
            mode=str(mode),
            lines=report.lines,
            published=report.published,
            rejected=report.rejected,
        )
        if report.rejected and (mode == Mode.ALL_OR_NOTHING or dry_run):
            raise Problem(
                422,
                ReasonCode.INVALID_REQUEST,
                "Import refused",
                f"{report.rejected} of {report.lines} lines are invalid; nothing was published",
                report=report.as_json(),
            )
        return report.as_json()

    @api.get("/{recipient_id}", responses=problems(401, 403, 404, 503))
    async def get_recipient(
        recipient_id: Annotated[str, Path(max_length=128)],
        request: Request,
        _who: Annotated[Principal, who_may],
    ) -> dict[str, Any]:
        """The recipient as the directory holds it now (an import or erasure shows once
        the scheduler has consumed it)."""
        found = await directory.get(_id(recipient_id), request.headers["authorization"])
        if found is None:
            raise Problem(404, ReasonCode.NOT_FOUND, "Not found", "no such recipient")
        return found

    @api.delete("/{recipient_id}", status_code=202, responses=problems(401, 403, 404))
    async def erase_recipient(
        recipient_id: Annotated[str, Path(max_length=128)],
        who: Annotated[Principal, who_may],
    ) -> dict[str, str]:
        """Erase the recipient in the caller's tenant: every service drops what it keeps
        about them (counts stay, unlinked)."""
        await publisher.erase(who.tenant, _id(recipient_id))
        log.info("recipient_erasure_requested", tenant=who.tenant, by=who.key_id)
        return {"recipient_id": recipient_id, "status": "erasing"}

    return api
