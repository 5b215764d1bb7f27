"""Webhook: a signed JSON POST to the recipient's own URL (how chat platforms are bridged).

Receivers verify `X-Herald-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<body>">` and drop repeats by `X-Herald-Delivery-Id` (also sent as `Idempotency-Key`).
A URL of a known chat robot (WeCom, DingTalk, Feishu/Lark) is sent in that robot's own
shape instead when the provider is configured with it (see chat.py); a provider can also
be pinned to one shape (`kind: dingtalk` ...), whatever the URL's host. Targets on
private addresses are refused unless allowed (targets.py).
"""

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from herald.dispatcher.providers.base import Attempt, Message, Result
from herald.dispatcher.providers.chat import Shape, shape_for
from herald.dispatcher.providers.http import answer, call
from herald.dispatcher.providers.targets import refuse


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


class WebhookProvider:
    def __init__(
        self,
        client: httpx.AsyncClient,
        secret: bytes,
        *,
        name: str = "webhook",
        robots: Mapping[str, Shape] | None = None,
        pinned: Shape | None = None,
        allow_private: bool = False,
    ) -> None:
        self.name = name
        self._client, self._secret = client, secret
        self._robots, self._pinned = robots or {}, pinned
        self._allow_private = allow_private

    async def send(self, message: Message) -> Attempt:
        url = message.contacts.webhook
        if not url:
            return Attempt(Result.PERMANENT, self.name, "no webhook url")
        refused = await refuse(self.name, url, self._allow_private)
        if refused is not None:
            return refused
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
        got = await call(self.name, self._client.post(url, content=body, headers=headers))
        if isinstance(got, Attempt):
            return got
        return answer(self.name, got, ok=Result.DELIVERED)

    async def _robot(self, shape: Shape, message: Message, url: str) -> Attempt:
        target, body = shape.request(message, url)
        got = await call(self.name, self._client.post(target, json=body))
        if isinstance(got, Attempt):
            return got
        if got.status_code != 200:
            return answer(self.name, got, shape.name)
        try:
            decoded = got.json()
        except ValueError:
            return Attempt(Result.RETRYABLE, self.name, f"{shape.name}: answer is not JSON")
        result, detail = shape.result(decoded)
        if result is Result.SENT:
            result = Result.DELIVERED  # a robot posts into the group synchronously
        return Attempt(result, self.name, f"{shape.name} {detail}")
