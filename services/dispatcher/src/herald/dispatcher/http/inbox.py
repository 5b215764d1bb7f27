"""Dispatcher's HTTP API: the in-app inbox, and SMS delivery receipts."""

import json
import urllib.parse
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from herald.contracts import EngagementKind, ReasonCode, Topic
from herald.dispatcher.domain.receipts import DELIVERED, ReceiptUrls, receipt, receipt_status
from herald.dispatcher.metrics import DispatcherMetrics
from herald.dispatcher.providers.inbox import Inbox
from herald.runtime.auth import Authenticator, Principal, Role
from herald.runtime.clock import Clock
from herald.runtime.events import EventBus
from herald.runtime.problems import PROBLEM_RESPONSE, Problem

_PROBLEM = PROBLEM_RESPONSE


def _not_found(what: str) -> Problem:
    return Problem(404, ReasonCode.NOT_FOUND, "Not found", what)


def build_http(
    inbox: Inbox,
    receipts: ReceiptUrls,
    events: EventBus,
    auth: Authenticator,
    metrics: DispatcherMetrics,
    clock: Clock,
) -> APIRouter:
    api = APIRouter(tags=["inbox", "receipts"])
    # the recipient's app (its backend) reads the inbox and reports reads with its
    # `reporter` key; a read counts in the read rate departments are judged on, so only
    # that key (or an admin) may report one, never a department's viewer or submitter
    reader = auth.requires(Role.VIEWER, Role.SUBMITTER, Role.REPORTER)
    app = auth.requires(Role.REPORTER)

    @api.get("/v1/inbox/{recipient_id}", responses={401: _PROBLEM, 403: _PROBLEM})
    async def list_inbox(
        recipient_id: str,
        who: Annotated[Principal, reader],
        unread: bool = False,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        """The recipient's in-app messages, newest first (the app's backend calls this
        with its `reporter` key; viewers and submitters of the tenant may read too)."""
        items = await inbox.list(who.tenant, recipient_id, unread, limit)
        return {"recipient_id": recipient_id, "messages": [asdict(i) for i in items]}

    @api.post(
        "/v1/inbox/{recipient_id}/{delivery_id}/read",
        responses={401: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM},
    )
    async def mark_read(
        recipient_id: str, delivery_id: str, who: Annotated[Principal, app]
    ) -> dict[str, Any]:
        """Mark one message read (the app's `reporter` key, or an admin's); the first
        time publishes Engagement `read`."""
        marked = await inbox.mark_read(who.tenant, recipient_id, delivery_id)
        if marked is None:
            raise _not_found(f"no message {delivery_id} in this inbox")
        if marked:
            read = receipt(EngagementKind.READ, delivery_id, clock())
            await events.publish(Topic.ENGAGEMENT, delivery_id, read)
        metrics.receipts.labels("inbox_read", "new" if marked else "repeat").inc()
        return {"delivery_id": delivery_id, "read": True, "first_time": marked}

    @api.post("/v1/receipts/sms/{delivery_id}/{sig}", responses={404: _PROBLEM})
    async def sms_receipt(delivery_id: str, sig: str, request: Request) -> dict[str, Any]:
        """A gateway's delivery receipt (Twilio form or JSON `{"status": ...}`)."""
        if not receipts.verify(delivery_id, sig):
            raise _not_found("unknown receipt address")
        status = receipt_status(await _fields(request))
        is_delivered = status in DELIVERED
        if is_delivered:
            delivered = receipt(EngagementKind.DELIVERED, delivery_id, clock())
            await events.publish(Topic.ENGAGEMENT, delivery_id, delivered)
        metrics.receipts.labels(
            "sms", "delivered" if is_delivered else (status or "unknown")[:20]
        ).inc()
        return {"delivery_id": delivery_id, "status": status}

    return api


async def _fields(request: Request) -> dict[str, str]:
    """JSON, or a urlencoded form (what Twilio posts), read without a multipart parser."""
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            return {}
        return {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else {}
    return {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode("utf-8", "replace")).items()}
