"""Apple Push Notification service over HTTP/2 with token (ES256 JWT) authentication.

The provider token is reused for 50 minutes (Apple refuses tokens older than an hour
and throttles refreshes more often than every 20 minutes). `apns-collapse-id` is the
delivery id, so a repeat after a crash replaces the shown notification instead of
adding a second one. 410 Unregistered and BadDeviceToken mark the token dead.
"""

import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from herald.dispatcher.providers.base import Attempt, Blame, Message, Provider, Result
from herald.dispatcher.providers.http import Answer, answer, exchange
from herald.dispatcher.providers.push import each_token, fit, tokens

PLATFORMS = frozenset({"apns", "ios"})
DEAD_REASONS = frozenset({"BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic"})
TOKEN_TTL_S = 50 * 60


@dataclass(frozen=True, slots=True)
class ApnsConfig:
    team_id: str
    key_id: str
    private_key: str
    topic: str
    endpoint: str = "https://api.push.apple.com"


def apns_payload(message: Message, body: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "aps": {"alert": {"title": message.title, "body": body}, "sound": "default"},
        "delivery_id": message.delivery_id,
    }
    if message.url:
        out["url"] = message.url
    return out


def reason(got: Answer) -> str:
    return str(got.field("reason") or "")


def well_formed(token: str) -> bool:
    """A device token is hex (64 digits today); anything else must not reach the URL path."""
    return 0 < len(token) <= 200 and token.isascii() and token.isalnum()


class ApnsProvider(Provider):
    def __init__(self, client: httpx.AsyncClient, cfg: ApnsConfig, name: str = "apns") -> None:
        self.name, self._client, self._cfg = name, client, cfg
        self._jwt: tuple[str, float] | None = None

    def provider_token(self) -> str:
        now = time.time()
        if self._jwt is None or now - self._jwt[1] > TOKEN_TTL_S:
            claims = {"iss": self._cfg.team_id, "iat": int(now)}
            headers = {"kid": self._cfg.key_id}
            token = jwt.encode(claims, self._cfg.private_key, algorithm="ES256", headers=headers)
            self._jwt = (token, now)
        return self._jwt[0]

    def _headers(self, message: Message) -> dict[str, str]:
        expiry = {"apns-expiration": str(message.expires_at)} if message.expires_at else {}
        return expiry | {
            "authorization": f"bearer {self.provider_token()}",
            "apns-topic": self._cfg.topic,
            "apns-push-type": "alert",
            "apns-priority": "5" if message.priority == "low" else "10",
            "apns-id": str(uuid.uuid5(uuid.NAMESPACE_URL, message.delivery_id)),
            "apns-collapse-id": message.delivery_id[:64],
        }

    async def send(self, message: Message) -> Attempt:
        return await each_token(
            self.name, tokens(message, PLATFORMS), lambda t: self._one(message, t)
        )

    async def _one(self, message: Message, token: str) -> Attempt:
        if not well_formed(token):
            detail = "malformed device token"
            return Attempt(Result.PERMANENT, self.name, detail, None, (token,), Blame.SEND)
        payload = fit(lambda body: apns_payload(message, body), message.body)
        if payload is None:
            return Attempt(Result.PERMANENT, self.name, "payload over 4 KB", blame=Blame.SEND)
        url = f"{self._cfg.endpoint}/3/device/{token}"
        headers = self._headers(message)
        got = await exchange(
            self._client, self.name, "POST", url, need_body=False, json=payload, headers=headers
        )
        if isinstance(got, Attempt):
            return got
        why = reason(got)
        if got.status == 410 or why in DEAD_REASONS:
            return Attempt(
                Result.PERMANENT, self.name, f"HTTP {got.status} {why}", dead_contacts=(token,)
            )
        if why == "ExpiredProviderToken":
            self._jwt = None
            return Attempt(Result.RETRYABLE, self.name, "HTTP 403 ExpiredProviderToken")
        return answer(self.name, got, why)
