"""Engagement over HTTP: the signed tracking link, the e-mail open pixel, and
`POST /v1/engagement` for apps that cannot produce to Kafka.

Each publishes an Engagement on push.engagement.v1 first; tracker records it from
there like any other (the topic stays the one source).
"""

import asyncio
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import Field, TypeAdapter, ValidationError

from herald.contracts import Engagement, EngagementKind, ReasonCode, Topic
from herald.runtime.auth import Authenticator, Principal, Role
from herald.runtime.events import EventBus
from herald.runtime.links import Link, LinkSigner
from herald.runtime.problems import PROBLEM_RESPONSE, Problem, invalid
from herald.tracker.metrics import TrackerMetrics

log = structlog.get_logger(__name__)
PIXEL_URL = "https://herald.invalid/open"
"""The url an open-pixel token is signed for: it marks the token as a pixel, never a link."""
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
NO_STORE = {"cache-control": "no-store, private", "referrer-policy": "no-referrer"}


def _not_found() -> Problem:
    return Problem(404, ReasonCode.NOT_FOUND, "Not found", "unknown or expired link")


def hit_event(link: Link, kind: EngagementKind, now: datetime) -> Engagement:
    """Every hit is its own event (a unique id); reports count distinct deliveries."""
    url = link.url if kind == EngagementKind.CLICKED else None
    return Engagement(
        event_id=f"{kind[0]}-{uuid.uuid4().hex}", delivery_id=link.delivery_id,
        kind=kind, at=now, url=url,
    )  # fmt: skip


class EngagementApi:
    def __init__(
        self,
        signer: LinkSigner,
        events: EventBus,
        metrics: TrackerMetrics,
        clock: Callable[[], datetime],
        *,
        publish_timeout_s: float = 2.0,
        max_events: int = 1000,
        max_bytes: int = 1024 * 1024,
    ) -> None:
        self._signer, self._events, self._metrics, self._clock = signer, events, metrics, clock
        self._timeout, self.max_bytes = publish_timeout_s, max_bytes
        self._many = TypeAdapter(
            Annotated[list[Engagement], Field(min_length=1, max_length=max_events)]
        )

    async def hit(self, token: str, kind: EngagementKind) -> Link:
        """Verify the token and record the hit; a bad token is a 404 (and no redirect)."""
        now = self._clock()
        link = self._signer.verify(token, now)
        is_pixel = link is not None and link.url == PIXEL_URL
        if link is None or is_pixel != (kind == EngagementKind.OPENED):
            self._metrics.link_hits.labels(str(kind), "refused").inc()
            raise _not_found()
        try:
            async with asyncio.timeout(self._timeout):
                await self._events.publish(
                    Topic.ENGAGEMENT, link.delivery_id, hit_event(link, kind, now)
                )
        except Exception as exc:
            # the person still gets where they were going; the miss is counted and logged
            self._metrics.link_hits.labels(str(kind), "unrecorded").inc()
            log.warning("engagement_not_published", kind=str(kind), error=type(exc).__name__)
        else:
            self._metrics.link_hits.labels(str(kind), "recorded").inc()
        return link

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
        except (ValueError, UnicodeDecodeError) as exc:
            raise Problem(400, ReasonCode.INVALID_REQUEST, "Not JSON", str(exc)) from exc

    async def submit(self, who: Principal, events: Sequence[Engagement]) -> None:
        try:
            await self._events.publish_many(Topic.ENGAGEMENT, [(e.delivery_id, e) for e in events])
        except Exception as exc:
            log.warning("engagement_not_published", error=type(exc).__name__)
            raise Problem(503, ReasonCode.INTERNAL_ERROR, "Try again later") from exc
        self._metrics.api_events.labels(self._metrics.tenant(who.tenant)).inc(len(events))


def build_engagement_http(api: EngagementApi, auth: Authenticator) -> APIRouter:
    router = APIRouter(tags=["engagement"])
    problems: dict[int | str, dict[str, Any]] = {404: PROBLEM_RESPONSE}

    @router.get("/r/{token}", status_code=302, responses=problems)
    async def click(token: str) -> RedirectResponse:
        """Signed tracking link: records a click, then redirects to the signed url."""
        link = await api.hit(token, EngagementKind.CLICKED)
        return RedirectResponse(link.url, status_code=302, headers=NO_STORE)

    @router.get("/o/{token}", responses=problems)
    async def pixel(token: str) -> Response:
        """E-mail open pixel: records an open, answers a 1x1 transparent GIF."""
        await api.hit(token, EngagementKind.OPENED)
        return Response(GIF, media_type="image/gif", headers=NO_STORE)

    @router.post(
        "/v1/engagement",
        status_code=202,
        responses=dict.fromkeys((400, 401, 403, 413, 422, 503), PROBLEM_RESPONSE),
    )
    async def report_engagement(
        request: Request, who: Annotated[Principal, auth.requires(Role.SUBMITTER)]
    ) -> dict[str, int]:
        """One Engagement or a list of them, for apps that cannot produce to Kafka."""
        events = api.parse(await _read(request, api))
        await api.submit(who, events)
        return {"accepted": len(events)}

    return router


async def _read(request: Request, api: EngagementApi) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > api.max_bytes:
            break
    return bytes(body)
