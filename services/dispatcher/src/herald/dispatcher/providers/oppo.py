"""OPPO PUSH (HeyTap) server API: `auth_token`, then `POST /server/v1/message/notification/unicast`.

Auth (open.oppomobile.com, 鉴权): `POST /server/v1/auth` form `app_key`, `timestamp`
(ms), `sign` = hex(SHA-256(app_key + timestamp + master_secret)) answers
`{"code": 0, "data": {"auth_token"}}`; the token lives 24 hours and is cached until an
hour before. Every call carries it as the form field `auth_token`.

Unicast: form `auth_token`, `message` = JSON `{"target_type": 2, "target_value": regid,
"notification": {title (<= 50), content (<= 200), click_action_type (0 app, 2 URL),
click_action_url, channel_id, category, notify_level, off_line_ttl}}`. `category`
(OPPO's 2023 classes: IM, ACCOUNT, DEVICE_REMINDER, ORDER, TODO, SUBSCRIPTION are
private/service messages; NEWS, CONTENT, MARKETING, SOCIAL are public messages under a
daily quota) is from the send's category; `channel_id` is a registered private-message
channel when one is configured for it.

A batch goes through `POST /server/v1/message/notification/unicast_batch` (批量单推):
form `messages` = a JSON array of up to 1000 unicast messages, each with its own target
and notification, so personalised messages share a call. Its answer has one entry per
message (`registrationId`, and `messageId` or `errorCode`/`errorMessage`), mapped back
by registration id (never the same one twice in a call).

Answers (返回码): 0 sent; 11 (invalid auth_token) drops the token and retries; -2 (flow
control), -1 (unavailable), 13 / 55 (call limits) and 33 (daily message quota) are
retried; 10000 (invalid registration_id) marks the token dead; the rest are permanent.
"""

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from herald.dispatcher.providers.base import (
    DEFAULT_CONCURRENCY,
    Attempt,
    Message,
    Provider,
    Result,
    each,
)
from herald.dispatcher.providers.batching import by_message, chunks, run, token_items
from herald.dispatcher.providers.http import Answer, exchange, status_attempt
from herald.dispatcher.providers.push import each_token, tokens
from herald.dispatcher.providers.vendor import TokenCache, TokenError, fetch_token, token_or_attempt
from herald.dispatcher.providers.vendor_push import texts, ttl_s

PLATFORMS = frozenset({"oppo", "heytap"})
TITLE_MAX, BODY_MAX = 50, 200
INVALID_TOKEN, DEAD_REGID = 11, 10000
MAX_BATCH = 1000
RETRYABLE = frozenset({-2, -1, 13, 33, 55})
SERVICE_CLASSES = frozenset({"IM", "ACCOUNT", "DEVICE_REMINDER", "ORDER", "TODO", "SUBSCRIPTION"})


def sign(app_key: str, timestamp_ms: int, master_secret: str) -> str:
    return hashlib.sha256(f"{app_key}{timestamp_ms}{master_secret}".encode()).hexdigest()


# deliberate declaration: the vendor's credentials and options, as vendor_config.OppoSpec resolves
# them
@dataclass(frozen=True, slots=True)
class OppoConfig:
    app_key: str
    master_secret: str
    endpoint: str = "https://api.push.oppomobile.com"
    categories: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)


class OppoProvider(Provider):
    def __init__(self, client: httpx.AsyncClient, cfg: OppoConfig, name: str = "oppo") -> None:
        self.name, self._client, self._cfg = name, client, cfg
        self.tokens = TokenCache(self._fetch, margin_s=3600)

    async def _fetch(self) -> tuple[str, float]:
        now = int(time.time() * 1000)
        form = {"app_key": self._cfg.app_key, "timestamp": str(now),
                "sign": sign(self._cfg.app_key, now, self._cfg.master_secret)}  # fmt: skip
        url = f"{self._cfg.endpoint}/server/v1/auth"
        status, data = await fetch_token(self._client, self.name, url, data=form)
        token = data.get("data", {}).get("auth_token") if isinstance(data, dict) else None
        if status != 200 or data.get("code") != 0 or not token:
            code = data.get("code") if isinstance(data, dict) else None
            raise TokenError(f"HTTP {status} code {code}")
        return str(token), 24 * 3600.0

    def message(self, message: Message, token: str) -> dict[str, Any]:
        title, body = texts(message, TITLE_MAX, BODY_MAX)
        notification: dict[str, Any] = {
            "title": title,
            "content": body,
            "click_action_type": 2 if message.url else 0,
            "off_line_ttl": ttl_s(message),
        }
        if message.url:
            notification["click_action_url"] = message.url
        category = self._cfg.categories.get(message.category)
        if category:
            notification["category"] = category
            notification["notify_level"] = 2 if category in SERVICE_CLASSES else 1
        channel = self._cfg.channels.get(message.category)
        if channel:
            notification["channel_id"] = channel
        return {"target_type": 2, "target_value": token, "notification": notification}

    async def send(self, message: Message) -> Attempt:
        return await each_token(
            self.name, tokens(message, PLATFORMS), lambda t: self._one(message, t)
        )

    async def send_many(self, messages: Sequence[Message]) -> list[Attempt]:
        items = token_items(messages, PLATFORMS)
        if len(items) < 2:
            return await each(self.send, messages, DEFAULT_CONCURRENCY)
        groups = chunks(range(len(items)), lambda _k: 0, MAX_BATCH, lambda k: items[k][1])
        calls = [
            (g, self._batch([(messages[items[k][0]], items[k][1]) for k in g])) for g in groups
        ]
        return by_message(self.name, len(messages), items, await run(calls, len(items), {}))

    async def _batch(self, pairs: list[tuple[Message, str]]) -> list[Attempt]:
        access = await token_or_attempt(self.name, self.tokens)
        if isinstance(access, Attempt):
            return [access] * len(pairs)
        batch = json.dumps([self.message(m, t) for m, t in pairs], ensure_ascii=False)
        url = f"{self._cfg.endpoint}/server/v1/message/notification/unicast_batch"
        got = await exchange(
            self._client, self.name, "POST", url, data={"auth_token": access, "messages": batch}
        )
        if isinstance(got, Attempt):
            return [got] * len(pairs)
        if got.status != 200 or got.field("code") != 0:
            whole = replace(self._judge(got, "", access), dead_contacts=())
            return [whole] * len(pairs)
        data = got.field("data")
        found = (
            {str(d.get("registrationId")): d for d in data if isinstance(d, dict)}
            if isinstance(data, list)
            else {}
        )
        return [self._item(found.get(token), token) for _m, token in pairs]

    def _item(self, entry: dict[str, Any] | None, token: str) -> Attempt:
        if entry is None:
            return Attempt(Result.RETRYABLE, self.name, "no answer for this registration id")
        code = entry.get("errorCode")
        if not code:
            return Attempt(Result.SENT, self.name, f"messageId {entry.get('messageId')}")
        text = f"errorCode {code} {str(entry.get('errorMessage') or '')[:80]}".strip()
        if code == DEAD_REGID:
            return Attempt(Result.PERMANENT, self.name, text, dead_contacts=(token,))
        result = Result.RETRYABLE if code in RETRYABLE else Result.PERMANENT
        return Attempt(result, self.name, text)

    async def _one(self, message: Message, token: str) -> Attempt:
        access = await token_or_attempt(self.name, self.tokens)
        if isinstance(access, Attempt):
            return access
        form = {"auth_token": access, "message": json.dumps(self.message(message, token))}
        url = f"{self._cfg.endpoint}/server/v1/message/notification/unicast"
        got = await exchange(self._client, self.name, "POST", url, data=form)
        if isinstance(got, Attempt):
            return got
        return self._judge(got, token, access)

    def _judge(self, got: Answer, token: str, access: str) -> Attempt:
        code = got.field("code")
        if got.status != 200 or not isinstance(code, int):
            return status_attempt(self.name, got, f"code {code}")
        text = f"code {code} {str(got.field('message') or '')[:100]}".strip()
        if code == 0:
            data = got.field("data")
            return Attempt(
                Result.SENT,
                self.name,
                f"messageId {data.get('messageId') if isinstance(data, dict) else ''}",
            )
        if code == INVALID_TOKEN:
            self.tokens.forget(access)
            return Attempt(Result.RETRYABLE, self.name, f"{text} (token dropped)")
        if code == DEAD_REGID:
            return Attempt(Result.PERMANENT, self.name, text, dead_contacts=(token,))
        result = Result.RETRYABLE if code in RETRYABLE else Result.PERMANENT
        return Attempt(result, self.name, text, got.retry_after)
