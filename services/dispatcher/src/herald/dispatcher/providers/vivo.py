"""vivo push server API: `authToken`, then `POST /message/send` (单推).

Auth (dev.vivo.com.cn, 鉴权接口): `POST /message/auth` JSON `{appId, appKey, timestamp
(ms), sign}` with `sign` = lower-case hex MD5(appId + appKey + timestamp + appSecret)
answers `{"result": 0, "authToken"}`; the token lives a day and is cached until an hour
before. Every send carries it in the `authToken` header.

Send: JSON `{regId, notifyType: 4, title (<= 40 units), content (<= 100 units; a CJK
character is two units), skipType (1 open the app, 2 open skipContent URL), requestId
(the delivery id: vivo drops a repeated requestId, so a retry cannot push twice),
timeToLive, classification, category}`. `classification` 1 (系统消息, system message)
or 0 (运营消息, operational/marketing message, limited per device per day and only
07:00-23:00) follows `category` (IM, ACCOUNT, TODO, DEVICE_REMINDER, ORDER, SUBSCRIPTION
are system classes; NEWS, CONTENT, MARKETING, SOCIAL operational ones).

A batch: messages whose vivo content is identical (same title, text, link, class and
lifetime: in practice those without a per-recipient tracked link) go out as one list
push (批量推送): `POST /message/saveListPayload` with the content (its `requestId` a
digest of the group's delivery ids) answers a `taskId`, then `POST /message/pushToList`
`{regIds (2-1000), taskId, requestId}` sends it; its `invalidUsers` (`userid`, `status`)
are the dead tokens. Content that differs goes one `/message/send` each.

Answers: `result` 0 is sent; 10000 (authToken invalid or expired) drops the token and
retries; answers about the regId being invalid or unknown mark the token dead; quota
and frequency answers (限额, 额度, 频率, 超过, 超出) are retried; the rest are permanent.
"""

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from herald.dispatcher.providers.base import Attempt, Message, Provider, Result
from herald.dispatcher.providers.batching import (
    by_message,
    chunks,
    digest_ref,
    entries,
    run,
    token_items,
)
from herald.dispatcher.providers.http import Answer, exchange, status_attempt
from herald.dispatcher.providers.push import each_token, tokens
from herald.dispatcher.providers.vendor import TokenCache, TokenError, fetch_token, token_or_attempt
from herald.dispatcher.providers.vendor_push import shorten_units, ttl_s

PLATFORMS = frozenset({"vivo"})
TITLE_UNITS, BODY_UNITS = 40, 100
SYSTEM_CLASSES = frozenset({"IM", "ACCOUNT", "TODO", "DEVICE_REMINDER", "ORDER", "SUBSCRIPTION"})
AUTH_INVALID = 10000
THROTTLED = ("限额", "额度", "频率", "超过", "超出", "limit")
MAX_LIST = 1000
_PER_SEND = frozenset({"regId", "requestId"})


def _content(body: dict[str, Any]) -> dict[str, Any]:
    """A send's body without what is its own (token, request id): the list push content."""
    return {k: v for k, v in body.items() if k not in _PER_SEND}


def sign(app_id: str, app_key: str, timestamp_ms: int, app_secret: str) -> str:
    text = f"{app_id}{app_key}{timestamp_ms}{app_secret}"
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


# deliberate declaration: the vendor's credentials and options, as vendor_config.VivoSpec resolves
# them
@dataclass(frozen=True, slots=True)
class VivoConfig:
    app_id: str
    app_key: str
    app_secret: str
    endpoint: str = "https://api-push.vivo.com.cn"
    categories: dict[str, str] = field(default_factory=dict)


class VivoProvider(Provider):
    def __init__(self, client: httpx.AsyncClient, cfg: VivoConfig, name: str = "vivo") -> None:
        self.name, self._client, self._cfg = name, client, cfg
        self.tokens = TokenCache(self._fetch, margin_s=3600)

    async def _fetch(self) -> tuple[str, float]:
        now, cfg = int(time.time() * 1000), self._cfg
        body = {"appId": cfg.app_id, "appKey": cfg.app_key, "timestamp": now,
                "sign": sign(cfg.app_id, cfg.app_key, now, cfg.app_secret)}  # fmt: skip
        status, data = await fetch_token(
            self._client, self.name, f"{cfg.endpoint}/message/auth", json=body
        )
        if status != 200 or not isinstance(data, dict) or data.get("result") != 0:
            code = data.get("result") if isinstance(data, dict) else None
            raise TokenError(f"HTTP {status} result {code}")
        return str(data["authToken"]), 24 * 3600.0

    def body(self, message: Message, token: str) -> dict[str, Any]:
        category = self._cfg.categories.get(message.category)
        out: dict[str, Any] = {
            "regId": token,
            "notifyType": 4,
            "title": shorten_units(message.title, TITLE_UNITS),
            "content": shorten_units(message.body, BODY_UNITS),
            "skipType": 2 if message.url else 1,
            "requestId": message.delivery_id[:64],
            "timeToLive": ttl_s(message),
            "classification": 1 if category in SYSTEM_CLASSES else 0,
        }
        if message.url:
            out["skipContent"] = message.url
        if category:
            out["category"] = category
        return out

    async def send(self, message: Message) -> Attempt:
        return await each_token(
            self.name, tokens(message, PLATFORMS), lambda t: self._one(message, t)
        )

    async def send_many(self, messages: Sequence[Message]) -> list[Attempt]:
        items = token_items(messages, PLATFORMS)
        bodies = [self.body(messages[i], token) for i, token in items]
        shared = [json.dumps(_content(b), sort_keys=True, ensure_ascii=False) for b in bodies]
        groups = chunks(range(len(items)), lambda k: shared[k], MAX_LIST, lambda k: items[k][1])
        calls = [(g, self._list([messages[items[k][0]] for k in g], [bodies[k] for k in g]))
                 for g in groups]  # fmt: skip
        return by_message(self.name, len(messages), items, await run(calls, len(items), {}))

    async def _list(self, messages: list[Message], bodies: list[dict[str, Any]]) -> list[Attempt]:
        """One list push of one content to several tokens (a single one: a plain send)."""
        if len(bodies) == 1:
            return [await self._one(messages[0], bodies[0]["regId"])]
        access = await token_or_attempt(self.name, self.tokens)
        if isinstance(access, Attempt):
            return [access] * len(bodies)
        ref = digest_ref("L", [m.delivery_id for m in messages])
        content = _content(bodies[0]) | {"requestId": ref}
        saved = await self._post("/message/saveListPayload", content, access)
        if isinstance(saved, Attempt):
            return [saved] * len(bodies)
        regs, task = [b["regId"] for b in bodies], saved.field("taskId")
        listed = {"regIds": regs, "taskId": task, "requestId": ref}
        pushed = await self._post("/message/pushToList", listed, access)
        if isinstance(pushed, Attempt):
            return [pushed] * len(bodies)
        invalid = entries(pushed.field("invalidUsers"), "userid")
        return [self._listed(r, invalid.get(r), task) for r in regs]

    def _listed(self, token: str, invalid: dict[str, Any] | None, task: Any) -> Attempt:
        if invalid is None:
            return Attempt(Result.SENT, self.name, f"taskId {task}")
        detail = f"invalid user, status {invalid.get('status')}"
        return Attempt(Result.PERMANENT, self.name, detail, dead_contacts=(token,))

    async def _post(self, path: str, body: dict[str, Any], access: str) -> Answer | Attempt:
        """A list-push call; anything but result 0 answers for the whole group."""
        got = await exchange(
            self._client, self.name, "POST", f"{self._cfg.endpoint}{path}", json=body,
            headers={"authToken": access},
        )  # fmt: skip
        if isinstance(got, Attempt) or (got.status == 200 and got.field("result") == 0):
            return got
        return replace(self._judge(got, "", access), dead_contacts=())

    async def _one(self, message: Message, token: str) -> Attempt:
        access = await token_or_attempt(self.name, self.tokens)
        if isinstance(access, Attempt):
            return access
        url = f"{self._cfg.endpoint}/message/send"
        got = await exchange(
            self._client, self.name, "POST", url, json=self.body(message, token),
            headers={"authToken": access},
        )  # fmt: skip
        if isinstance(got, Attempt):
            return got
        return self._judge(got, token, access)

    def _judge(self, got: Answer, token: str, access: str) -> Attempt:
        code, desc = got.field("result"), str(got.field("desc") or "")[:120]
        if got.status != 200 or not isinstance(code, int):
            return status_attempt(self.name, got, f"result {code}")
        text = f"result {code} {desc}".strip()
        if code == 0:
            return Attempt(Result.SENT, self.name, f"taskId {got.field('taskId')}")
        if code == AUTH_INVALID:
            self.tokens.forget(access)
            return Attempt(Result.RETRYABLE, self.name, f"{text} (token dropped)")
        lowered = desc.lower()
        if "regid" in lowered and any(w in desc for w in ("不合法", "不存在", "无效", "invalid")):
            return Attempt(Result.PERMANENT, self.name, text, dead_contacts=(token,))
        if any(w in lowered for w in THROTTLED):
            return Attempt(Result.RETRYABLE, self.name, text, got.retry_after)
        return Attempt(Result.PERMANENT, self.name, text)
