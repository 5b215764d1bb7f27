"""Webhook: a signed JSON POST to the recipient's own URL (how chat platforms are bridged).

Receivers verify `X-Herald-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<body>">` and drop repeats by `X-Herald-Delivery-Id` (also sent as `Idempotency-Key`).
A URL of a known chat robot (WeCom, DingTalk, Feishu/Lark) is sent in that robot's own
shape instead when the provider is configured with it (see chat.py); a provider can also
be pinned to one shape (`kind: dingtalk` ...), whatever the URL's host.

The URL is the tenant's, so: it is checked against the address policy before the call
and the client connects only to vetted addresses (targets.py, egress.py); the answer is
read with a byte cap (a generic receiver's body is not needed at all); and whatever the
receiver does is blamed on this send, never on the provider every tenant shares, with a
per-host circuit so one dead receiver does not hold the provider's slots (hosts.py).
"""

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from herald.dispatcher.providers.base import Attempt, Blame, Message, Provider, Result
from herald.dispatcher.providers.chat import Shape, shape_for
from herald.dispatcher.providers.hosts import HostCircuits
from herald.dispatcher.providers.http import Answer, answer, exchange
from herald.dispatcher.providers.spread import Spread
from herald.dispatcher.providers.targets import TargetRefusedError, Targets

SEND = Blame.SEND


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def payload(message: Message) -> dict[str, Any]:
    return {
        "delivery_id": message.delivery_id,
        "request_id": message.request_id,
        "tenant": message.tenant,
        "recipient_id": message.recipient_id,
        "title": message.title,
        "body": message.body,
        "url": message.url,
        "labels": message.labels,
    }


# deliberate declaration: a provider's constructor: its client, secret and name
class WebhookProvider(Provider):
    timeout_blame = SEND
    """A receiver that outlasts the deadline is the tenant's own (delivery.py)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        secret: bytes,
        *,
        name: str = "webhook",
        robots: Mapping[str, Shape] | None = None,
        pinned: Shape | None = None,
        allow_private: bool = False,
        targets: Targets | None = None,
        hosts: HostCircuits | None = None,
        spread: Spread | None = None,
    ) -> None:
        """`spread`: the clients to post with instead of `client` (spread.py)."""
        self.name = name
        self._client, self._secret, self._spread = client, secret, spread
        self._robots, self._pinned = robots or {}, pinned
        self._targets = targets or Targets(allow_all=allow_private)
        self._hosts = hosts or HostCircuits()

    async def send(self, message: Message) -> Attempt:
        url = message.contacts.webhook
        if not url:
            return Attempt(Result.PERMANENT, self.name, "no webhook url", blame=SEND)
        refused = await self._targets.refuse(self.name, url)
        if refused is not None:
            return refused
        host = httpx.URL(url).host
        wait = self._hosts.wait(host)
        if wait is not None:
            detail = "receiver failing: skipped for now"
            return Attempt(Result.RETRYABLE, self.name, detail, wait, blame=SEND, skipped=True)
        attempt = await self._deliver(message, url)
        self._hosts.record(host, attempt.result is not Result.RETRYABLE)
        return attempt

    async def _deliver(self, message: Message, url: str) -> Attempt:
        shape = self._pinned or shape_for(url, self._robots)
        if shape is not None:
            return await self._robot(shape, message, url)
        body = json.dumps(payload(message), ensure_ascii=False).encode()
        headers = {
            "content-type": "application/json",
            "x-herald-delivery-id": message.delivery_id,
            "idempotency-key": message.delivery_id,
            "x-herald-signature": sign(self._secret, int(time.time()), body),
        }
        got = await self._post(url, need_body=False, content=body, headers=headers)
        if isinstance(got, Attempt):
            return got
        return answer(self.name, got, ok=Result.DELIVERED, blame=SEND)

    async def _robot(self, shape: Shape, message: Message, url: str) -> Attempt:
        target, body = shape.request(message, url)
        got = await self._post(target, json=body)
        if isinstance(got, Attempt):
            return got
        if got.status != 200:
            return answer(self.name, got, shape.name, blame=SEND)
        if got.data is None:
            detail = f"{shape.name}: answer is not JSON"
            return Attempt(Result.RETRYABLE, self.name, detail, blame=SEND)
        result, detail = shape.result(got.data)
        if result is Result.SENT:
            result = Result.DELIVERED  # a robot posts into the group synchronously
        return Attempt(result, self.name, f"{shape.name} {detail}", blame=SEND)

    async def _post(self, url: str, need_body: bool = True, **kwargs: Any) -> Answer | Attempt:
        if self._spread is None:
            return await self._exchange(self._client, url, need_body, **kwargs)
        with self._spread.client() as client:
            return await self._exchange(client, url, need_body, **kwargs)

    async def _exchange(
        self, client: httpx.AsyncClient, url: str, need_body: bool, **kwargs: Any
    ) -> Answer | Attempt:
        try:
            return await exchange(
                client, self.name, "POST", url, need_body=need_body, blame=SEND, **kwargs
            )
        except (
            TargetRefusedError
        ) as exc:  # the connection-time check: the name now resolves elsewhere
            return Attempt(Result.PERMANENT, self.name, str(exc), blame=SEND)
