"""JPush (极光推送) REST API v3 (`POST /v3/push`), an aggregator beside the vendors' own APIs.

Auth (docs.jiguang.cn, REST API 概述): HTTP Basic `base64(appKey:masterSecret)` on every
call. A push targets all of the recipient's JPush registration ids in one call
(`audience.registration_id`, a list of up to 1000), Android only,
with `notification.android` {alert, title, extras} and `options` {time_to_live,
third_party_channel}: JPush forwards through the phone vendor's channel, and the
vendor's class rides in `third_party_channel` (`huawei.category`/`importance`, `vivo.
classification`, `oppo.category`) so a marketing push is classed as one on every
vendor. Android's notification payload is capped at 4000 bytes.

Answers: 200 `{"msg_id"}` is sent; HTTP 400 with error 1011 ("cannot find user by this
audience": none of the ids is known) marks the tokens dead; HTTP 429 / error 2002 (rate
limit; `X-Rate-Limit-Reset` says when) and 5xx are retried; 401 / 1004 (auth) and others
are permanent.
"""

import base64
from dataclasses import dataclass
from typing import Any

import httpx

from herald.dispatcher.providers.base import Attempt, Message, Provider, Result
from herald.dispatcher.providers.http import Answer, exchange, status_attempt
from herald.dispatcher.providers.push import fit, in_groups, tokens
from herald.dispatcher.providers.vendor_push import ttl_s

PLATFORMS = frozenset({"jpush", "jiguang"})
LIMIT_BYTES = 4000
MAX_TOKENS = 1000
DEAD, RATE_LIMITED = 1011, 2002


@dataclass(frozen=True, slots=True)
class JPushConfig:
    app_key: str
    master_secret: str
    endpoint: str = "https://api.jpush.cn"


def channels(marketing: bool) -> dict[str, Any]:
    return {
        "huawei": {"importance": "LOW" if marketing else "NORMAL",
                   **({"category": "MARKETING"} if marketing else {})},
        "vivo": {"classification": 0 if marketing else 1},
        "oppo": {"category": "MARKETING"} if marketing else {},
    }  # fmt: skip


class JPushProvider(Provider):
    def __init__(self, client: httpx.AsyncClient, cfg: JPushConfig, name: str = "jpush") -> None:
        self.name, self._client, self._cfg = name, client, cfg
        basic = base64.b64encode(f"{cfg.app_key}:{cfg.master_secret}".encode()).decode()
        self._headers = {"authorization": f"Basic {basic}"}

    def payload(self, message: Message, found: list[str], body: str) -> dict[str, Any]:
        extras = {
            "delivery_id": message.delivery_id,
            **({"url": message.url} if message.url else {}),
        }
        return {
            "platform": ["android"],
            "audience": {"registration_id": found},
            "notification": {"android": {"alert": body, "title": message.title, "extras": extras}},
            "options": {
                "time_to_live": ttl_s(message),
                "third_party_channel": channels(message.category == "marketing"),
            },
        }

    async def send(self, message: Message) -> Attempt:
        return await in_groups(
            self.name, tokens(message, PLATFORMS), MAX_TOKENS, lambda t: self._call(message, t)
        )

    async def _call(self, message: Message, found: list[str]) -> Attempt:
        payload = fit(lambda b: self.payload(message, found, b), message.body, LIMIT_BYTES)
        if payload is None:
            return Attempt(Result.PERMANENT, self.name, f"payload over {LIMIT_BYTES} bytes")
        url = f"{self._cfg.endpoint}/v3/push"
        got = await exchange(
            self._client, self.name, "POST", url, json=payload, headers=self._headers
        )
        if isinstance(got, Attempt):
            return got
        return self._judge(got, found)

    def _judge(self, got: Answer, found: list[str]) -> Attempt:
        if got.status == 200 and got.field("msg_id"):
            return Attempt(Result.SENT, self.name, f"msg_id {got.field('msg_id')}")
        error = got.field("error")
        code = error.get("code") if isinstance(error, dict) else None
        if code == DEAD:
            return Attempt(
                Result.PERMANENT,
                self.name,
                f"HTTP {got.status} error {code}",
                dead_contacts=tuple(found),
            )
        if code == RATE_LIMITED or got.status == 429:
            reset = got.headers.get("x-rate-limit-reset")
            wait = float(reset) if reset and reset.isdigit() else got.retry_after
            return Attempt(Result.RETRYABLE, self.name, f"HTTP {got.status} error {code}", wait)
        return status_attempt(self.name, got, f"error {code}")
