"""`POST /v1/callbacks/sms/{owner}/{name}/{event}/{sig}`: China SMS receipts and replies.

`owner` is the tenant of a tenant's own provider, or `~` for a shared one; `event` is
`report` (delivery receipts) or `reply` (MO). A wrong `sig` or a provider that is not a
China SMS provider is a 404. A receipt of a delivered message publishes Engagement
`delivered` (one event per delivery, as the generic SMS receipts do); an undelivered
one is counted and logged. Each reply becomes an `InboundReply` per tenant the
provider serves (a shared provider's sign name speaks for every tenant using it, so
its replies go to each of them) and is handed to `Replies`. Answers are in the shape
the vendor expects; the vendors retry anything else.
"""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from herald.contracts import EngagementKind, ReasonCode, Topic
from herald.dispatcher.domain import receipts
from herald.dispatcher.domain import sms_callbacks as cb
from herald.dispatcher.domain.inbound import InboundReply
from herald.dispatcher.metrics import DispatcherMetrics
from herald.dispatcher.ports import Replies
from herald.dispatcher.providers.refs import Refs
from herald.dispatcher.routing.config import ProvidersConfig, ProviderSpec
from herald.dispatcher.routing.vendor_config import SMS_KINDS
from herald.runtime.events import EventBus
from herald.runtime.problems import PROBLEM_RESPONSE, Problem

log = structlog.get_logger(__name__)
MAX_BYTES = 1024 * 1024


def spec_of(config: ProvidersConfig, owner: str, name: str) -> ProviderSpec | None:
    if owner == cb.SHARED:
        return config.providers.get(name)
    tenant = config.tenants.get(owner)
    return tenant.providers.get(name) if tenant else None


def tenants_of(
    config: ProvidersConfig, tenants: frozenset[str], owner: str, name: str
) -> list[str]:
    """The tenants whose routes use this provider."""
    if owner != cb.SHARED:
        return [owner] if owner in tenants else []
    return sorted(
        t
        for t in tenants
        if any(name in names for names in config.channels_for(t).values())
        and config.owner(t, name) == name
    )


async def _body(request: Request) -> Any:
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > MAX_BYTES:
            raise Problem(413, ReasonCode.INVALID_REQUEST, "Payload too large")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


class Callbacks:
    def __init__(self, config: ProvidersConfig, tenants: frozenset[str], refs: Refs,
                 replies: Replies, events: EventBus, metrics: DispatcherMetrics,
                 clock: Callable[[], datetime]) -> None:  # fmt: skip
        self._config, self._tenants, self._refs, self._replies = config, tenants, refs, replies
        self._events, self._metrics, self._clock = events, metrics, clock

    async def reports(self, kind: str, key: str, body: Any) -> None:
        aliyun = kind == "aliyun_sms"
        found = cb.aliyun_receipts(body) if aliyun else cb.tencent_receipts(body)
        for receipt in found:
            direct = aliyun and not receipt.ref.startswith(cb.BATCH)
            delivery_id = receipt.ref if direct else await self._refs.delivery(key, receipt.ref)
            status = (
                "unknown"
                if delivery_id is None
                else ("delivered" if receipt.delivered else "failed")
            )
            if delivery_id and receipt.delivered:
                event = receipts.receipt(EngagementKind.DELIVERED, delivery_id, self._clock())
                await self._events.publish(Topic.ENGAGEMENT, delivery_id, event)
            elif delivery_id:
                log.info(
                    "sms_undelivered", provider=key, delivery_id=delivery_id, code=receipt.code
                )
            self._metrics.receipts.labels(kind, status).inc()

    async def replies(self, kind: str, key: str, owner: str, name: str, body: Any) -> None:
        now = self._clock()
        found = (
            cb.aliyun_replies(body, now) if kind == "aliyun_sms" else cb.tencent_replies(body, now)
        )
        tenants = tenants_of(self._config, self._tenants, owner, name)
        for mo in found:
            for tenant in tenants:
                await self._replies.received(InboundReply(mo.phone, mo.text, key, tenant, mo.at))
            self._metrics.receipts.labels(kind, "reply").inc()


def build_callbacks(
    urls: cb.CallbackUrls, callbacks: Callbacks, config: ProvidersConfig
) -> APIRouter:
    api = APIRouter(tags=["callbacks"])

    @api.post(
        "/v1/callbacks/sms/{owner}/{name}/{event}/{sig}",
        responses={404: PROBLEM_RESPONSE, 413: PROBLEM_RESPONSE},
    )
    async def sms_callback(
        owner: str, name: str, event: str, sig: str, request: Request
    ) -> JSONResponse:
        """Alibaba Cloud / Tencent Cloud SMS delivery receipts (`report`) and replies (`reply`)."""
        spec = spec_of(config, owner, name) if urls.verify(owner, name, event, sig) else None
        if spec is None or spec.kind not in SMS_KINDS:
            raise Problem(404, ReasonCode.NOT_FOUND, "Not found", "unknown callback address")
        ok, bad = cb.ANSWERS[spec.kind]
        body = await _body(request)
        if body is None:
            return JSONResponse(bad, 400)
        key = name if owner == cb.SHARED else f"{owner}/{name}"
        if event == "report":
            await callbacks.reports(spec.kind, key, body)
        else:
            await callbacks.replies(spec.kind, key, owner, name, body)
        return JSONResponse(ok)

    return api
