"""Webhook: a signed JSON POST to the recipient's own URL (how chat platforms are bridged).

Receivers verify `X-Herald-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<body>">` and drop repeats by `X-Herald-Delivery-Id` (also sent as `Idempotency-Key`).
"""

import hashlib
import hmac
import json
import time

import httpx

from herald.dispatcher.providers.base import Attempt, Message, Result


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def classify(status: int) -> Result:
    if 200 <= status < 300:
        return Result.DELIVERED
    if status in (408, 425, 429) or status >= 500:
        return Result.RETRYABLE
    return Result.PERMANENT


class WebhookProvider:
    name = "webhook"

    def __init__(self, client: httpx.AsyncClient, secret: bytes) -> None:
        self._client = client
        self._secret = secret

    async def send(self, message: Message) -> Attempt:
        url = message.contacts.webhook
        if not url:
            return Attempt(Result.PERMANENT, self.name, "no webhook url")
        body = json.dumps(
            {
                "delivery_id": message.delivery_id,
                "request_id": message.request_id,
                "tenant": message.tenant,
                "recipient_id": message.recipient_id,
                "title": message.title,
                "body": message.body,
                "url": message.url,
                "labels": message.labels,
            },
            ensure_ascii=False,
        ).encode()
        now = int(time.time())
        headers = {
            "content-type": "application/json",
            "x-herald-delivery-id": message.delivery_id,
            "idempotency-key": message.delivery_id,
            "x-herald-signature": sign(self._secret, now, body),
        }
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            return Attempt(Result.RETRYABLE, self.name, f"timeout: {type(exc).__name__}")
        except httpx.HTTPError as exc:
            return Attempt(Result.RETRYABLE, self.name, f"{type(exc).__name__}: {exc}")
        return Attempt(classify(response.status_code), self.name, f"HTTP {response.status_code}")
