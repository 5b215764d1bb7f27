"""Engagement over HTTP: the signed tracking link (`/r/`), the e-mail open pixel (`/o/`),
and `POST /v1/engagement` for apps that cannot produce to Kafka."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import Field, TypeAdapter, ValidationError

from herald.contracts import Engagement, EngagementKind, ReasonCode
from herald.runtime.auth import Authenticator, Principal, Role
from herald.runtime.links import Link
from herald.runtime.problems import PROBLEM_RESPONSE, Problem, invalid
from herald.tracker.engagement import Engagements

GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
NO_STORE = {"cache-control": "no-store, private", "referrer-policy": "no-referrer"}


def _found(link: Link | None) -> Link:
    if link is None:
        raise Problem(404, ReasonCode.NOT_FOUND, "Not found", "unknown or expired link")
    return link


def own_tenant(event: Engagement, tenant: str) -> Engagement:
    """The event as the caller's tenant's; one that names another tenant is refused, and
    so is `unsubscribed` (only Herald's own opt-out link reports one)."""
    if event.kind == EngagementKind.UNSUBSCRIBED:
        raise Problem(
            403,
            ReasonCode.UNAUTHORIZED,
            "Forbidden",
            f"event {event.event_id}: 'unsubscribed' is reported by Herald only",
            errors=[{"field": "kind", "message": "must not be 'unsubscribed'"}],
        )
    if event.tenant not in (None, tenant):
        raise Problem(
            403,
            ReasonCode.UNAUTHORIZED,
            "Forbidden",
            f"event {event.event_id}: tenant is {event.tenant!r}, but this API key belongs to "
            f"tenant {tenant!r}",
            errors=[{"field": "tenant", "message": f"must be {tenant!r} or absent"}],
        )
    return event.model_copy(update={"tenant": tenant})


class Parser:
    """One Engagement or a list of at most `max_events`, in at most `max_bytes`."""

    def __init__(self, max_events: int, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._many = TypeAdapter(
            Annotated[list[Engagement], Field(min_length=1, max_length=max_events)]
        )

    async def read(self, request: Request) -> bytes:
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > self.max_bytes:
                break
        return bytes(body)

    def parse(self, raw: bytes) -> list[Engagement]:
        if len(raw) > self.max_bytes:
            raise Problem(413, ReasonCode.INVALID_REQUEST, "Payload too large")
        try:
            body = json.loads(raw)
            if isinstance(body, list):
                return self._many.validate_python(body)
            return [Engagement.model_validate(body)]
        except ValidationError as exc:
            raise invalid(exc) from exc
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            # RecursionError: json refuses nesting deeper than the interpreter's limit
            raise Problem(400, ReasonCode.INVALID_REQUEST, "Not JSON", str(exc)[:200]) from exc


def build_engagement_http(
    engagements: Engagements, auth: Authenticator, *, max_events: int, max_bytes: int
) -> APIRouter:
    router = APIRouter(tags=["engagement"])
    parser = Parser(max_events, max_bytes)
    not_found: dict[int | str, dict[str, Any]] = {404: PROBLEM_RESPONSE}

    @router.get("/r/{token}", status_code=302, responses=not_found)
    async def click(token: str) -> RedirectResponse:
        """Signed tracking link: records a click, then redirects to the signed url."""
        link = _found(await engagements.hit(token, EngagementKind.CLICKED))
        return RedirectResponse(link.url, status_code=302, headers=NO_STORE)

    @router.get("/o/{token}", responses=not_found)
    async def pixel(token: str) -> Response:
        """E-mail open pixel: records an open, answers a 1x1 transparent GIF."""
        _found(await engagements.hit(token, EngagementKind.OPENED))
        return Response(GIF, media_type="image/gif", headers=NO_STORE)

    @router.post(
        "/v1/engagement",
        status_code=202,
        responses=dict.fromkeys((400, 401, 403, 413, 422, 503), PROBLEM_RESPONSE),
    )
    async def report_engagement(
        request: Request, who: Annotated[Principal, auth.requires(Role.REPORTER)]
    ) -> dict[str, int]:
        """One Engagement or a list of them, for apps that cannot produce to Kafka (a
        reporter or admin key). Each is reported as the key's tenant's: it counts only
        for a delivery of that tenant."""
        events = [own_tenant(e, who.tenant) for e in parser.parse(await parser.read(request))]
        if not await engagements.submit(who.tenant, events):
            raise Problem(503, ReasonCode.INTERNAL_ERROR, "Try again later")
        return {"accepted": len(events)}

    return router
