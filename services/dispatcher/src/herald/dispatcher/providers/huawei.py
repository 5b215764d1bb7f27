"""Huawei Push Kit, HTTP API v1 (`POST /v1/{appId}/messages:send`), OAuth 2.0 client credentials.

Auth (developer.huawei.com, Push Kit "鉴权接口"): `POST token_url` form
`grant_type=client_credentials&client_id=<appId>&client_secret=<secret>` answers
`{"access_token", "expires_in": 3600}`; the token is cached and refreshed five minutes
before it expires (Huawei's own server demo does the same), and dropped on 80200001 /
80200003 (auth error, token expired).

Message: `android.notification` {title, body, click_action, importance}, `android.category`
from the send's category (`MARKETING` marks a news/marketing message, which Huawei
counts against the device's daily marketing quota and shows silently: importance LOW),
`android.bi_tag` = delivery id (Huawei's receipts echo it), `android.ttl`. The whole
message must fit in 4096 bytes.

A message goes to all of its recipient's Huawei tokens in one call (`message.token` is a
list of up to 1000, with the same payload); a batch is one call per message, because the
payload carries the delivery id that receipts echo (`bi_tag`).

Answers: `code` 80000000 is sent; 80100000 (partly sent, `msg` lists `illegal_tokens`)
and 80300007 (all tokens invalid) mark those tokens dead; 81000001 (internal error) and
HTTP 503 (flow control) / 5xx are retried; others (80300008 too large, 80100003 bad
message ...) are permanent.
"""

import json
from dataclasses import dataclass
from typing import Any

import httpx

from herald.dispatcher.providers.base import Attempt, Message, Provider, Result
from herald.dispatcher.providers.http import Answer, exchange, status_attempt
from herald.dispatcher.providers.push import fit, in_groups, tokens
from herald.dispatcher.providers.vendor import TokenCache, TokenError, fetch_token, token_or_attempt
from herald.dispatcher.providers.vendor_push import ttl_s

PLATFORMS = frozenset({"huawei", "hms"})
LIMIT_BYTES = 4096
MAX_TOKENS = 1000
SENT, PARTIAL, ALL_INVALID = "80000000", "80100000", "80300007"
AUTH_FAILED = frozenset({"80200001", "80200003"})
RETRYABLE = frozenset({"81000001", "80600003"})


@dataclass(frozen=True, slots=True)
class HuaweiConfig:
    app_id: str
    client_secret: str
    token_url: str = "https://oauth-login.cloud.huawei.com/oauth2/v3/token"  # noqa: S105 - a URL
    endpoint: str = "https://push-api.cloud.huawei.com"
    categories: dict[str, str] | None = None


def android(message: Message, body: str, category: str | None) -> dict[str, Any]:
    click = {"type": 2, "url": message.url} if message.url else {"type": 3}
    marketing = category == "MARKETING"
    out: dict[str, Any] = {
        "ttl": f"{ttl_s(message)}s",
        "bi_tag": message.delivery_id,
        "notification": {
            "title": message.title,
            "body": body,
            "click_action": click,
            "importance": "LOW" if marketing else "NORMAL",
        },
    }
    if category:
        out["category"] = category
    return out


class HuaweiProvider(Provider):
    def __init__(self, client: httpx.AsyncClient, cfg: HuaweiConfig, name: str = "huawei") -> None:
        self.name, self._client, self._cfg = name, client, cfg
        self.tokens = TokenCache(self._fetch)
        self._url = f"{cfg.endpoint}/v1/{cfg.app_id}/messages:send"

    async def _fetch(self) -> tuple[str, float]:
        form = {"grant_type": "client_credentials", "client_id": self._cfg.app_id,
                "client_secret": self._cfg.client_secret}  # fmt: skip
        status, data = await fetch_token(self._client, self.name, self._cfg.token_url, data=form)
        if status != 200 or not isinstance(data, dict) or "access_token" not in data:
            error = data.get("error") if isinstance(data, dict) else None
            raise TokenError(f"HTTP {status} error {error}")
        return str(data["access_token"]), float(data.get("expires_in", 3600))

    async def send(self, message: Message) -> Attempt:
        return await in_groups(
            self.name, tokens(message, PLATFORMS), MAX_TOKENS, lambda t: self._call(message, t)
        )

    def payload(self, message: Message, found: list[str], body: str) -> dict[str, Any]:
        category = (self._cfg.categories or {}).get(message.category)
        data = json.dumps({"delivery_id": message.delivery_id, "url": message.url or ""})
        msg = {"data": data, "android": android(message, body, category), "token": found}
        return {"validate_only": False, "message": msg}

    async def _call(self, message: Message, found: list[str]) -> Attempt:
        payload = fit(lambda b: self.payload(message, found, b), message.body, LIMIT_BYTES)
        if payload is None:
            return Attempt(Result.PERMANENT, self.name, f"payload over {LIMIT_BYTES} bytes")
        access = await token_or_attempt(self.name, self.tokens)
        if isinstance(access, Attempt):
            return access
        headers = {"authorization": f"Bearer {access}"}
        got = await exchange(
            self._client, self.name, "POST", self._url, json=payload, headers=headers
        )
        if isinstance(got, Attempt):
            return got
        return self._judge(got, found, access)

    def _judge(self, got: Answer, found: list[str], access: str) -> Attempt:
        code = str(got.field("code") or "")
        if code == SENT and got.status == 200:
            return Attempt(Result.SENT, self.name, f"{code} requestId {got.field('requestId')}")
        if code in AUTH_FAILED or got.status == 401:
            self.tokens.forget(access)
            return Attempt(Result.RETRYABLE, self.name, f"HTTP {got.status} {code} (token dropped)")
        dead = tuple(found) if code == ALL_INVALID else ()
        if code == PARTIAL:
            dead = tuple(t for t in found if t in set(_illegal(got.field("msg"))))
        if dead and len(dead) == len(found):
            return Attempt(Result.PERMANENT, self.name, f"{code} invalid token", None, dead)
        if code == PARTIAL:
            return Attempt(Result.SENT, self.name, code, dead_contacts=dead)
        return _failed(self.name, got, code)


def _failed(name: str, got: Answer, code: str) -> Attempt:
    if code in RETRYABLE:
        return Attempt(Result.RETRYABLE, name, f"HTTP {got.status} {code}", got.retry_after)
    if got.status != 200:
        return status_attempt(name, got, code)
    return Attempt(Result.PERMANENT, name, f"{code} {str(got.field('msg'))[:120]}")


def _illegal(msg: Any) -> list[str]:
    try:
        data = json.loads(msg) if isinstance(msg, str) else msg
    except ValueError:
        return []
    found = data.get("illegal_tokens") if isinstance(data, dict) else None
    return [str(t) for t in found] if isinstance(found, list) else []
