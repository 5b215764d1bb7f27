"""Xiaomi MiPush server API (`POST /v3/message/regid`), `Authorization: key=<AppSecret>`.

No token exchange: every call carries the app secret (dev.mi.com, 小米推送服务端 API).
The message is a form: `registration_id`, `restricted_package_name`, `title` (< 50
characters), `description` (< 128), `payload`, `pass_through=0` (a notification, not a
pass-through), `notify_type=-1`, `time_to_live` (ms), `notify_id` (stable per delivery,
so a repeat replaces its notification), `extra.notify_effect` (1 open the app, 3 open
`extra.web_uri`) and `extra.channel_id`: the notification channel made on Xiaomi's
console, whose type (私信 private message or 公信 public/marketing message) decides
whether Xiaomi counts the push against the device's daily 公信 quota.

A message goes to all of its recipient's Xiaomi tokens in one call (`registration_id`
is a comma-separated list of up to 1000); a batch is one call per message (the payload
carries the delivery id and its own notify_id).

Answers: `{"result": "ok", "code": 0}` is sent; the tokens `data.bad_regids` names are
dead (all of them dead: permanent). HTTP 401/403 and code 21301 (authentication failed)
are permanent; HTTP 429/5xx and answers about frequency or quota (超过/频率/quota/limit)
are retried; other error codes are permanent.
"""

import json
from dataclasses import dataclass, field

import httpx

from herald.dispatcher.providers.base import Attempt, Message, Provider, Result
from herald.dispatcher.providers.http import Answer, exchange, status_attempt
from herald.dispatcher.providers.push import in_groups, tokens
from herald.dispatcher.providers.vendor_push import notify_id, texts, ttl_s

PLATFORMS = frozenset({"xiaomi", "mi"})
TITLE_MAX, BODY_MAX, PAYLOAD_MAX = 49, 127, 4000
MAX_TOKENS = 1000
THROTTLED = ("超过", "频率", "quota", "limit", "too many")


# deliberate declaration: the vendor's credentials and options, as vendor_config.XiaomiSpec resolves
# them
@dataclass(frozen=True, slots=True)
class XiaomiConfig:
    app_secret: str
    package: str
    endpoint: str = "https://api.xmpush.xiaomi.com"
    channels: dict[str, str] = field(default_factory=dict)


class XiaomiProvider(Provider):
    def __init__(self, client: httpx.AsyncClient, cfg: XiaomiConfig, name: str = "xiaomi") -> None:
        self.name, self._client, self._cfg = name, client, cfg
        self._url = f"{cfg.endpoint}/v3/message/regid"

    def form(self, message: Message, found: list[str]) -> dict[str, str]:
        title, body = texts(message, TITLE_MAX, BODY_MAX)
        payload = json.dumps({"delivery_id": message.delivery_id, "url": message.url or ""})
        out = {
            "registration_id": ",".join(found),
            "restricted_package_name": self._cfg.package,
            "title": title,
            "description": body,
            "payload": payload[:PAYLOAD_MAX],
            "pass_through": "0",
            "notify_type": "-1",
            "time_to_live": str(ttl_s(message) * 1000),
            "notify_id": str(notify_id(message.delivery_id)),
            "extra.notify_effect": "3" if message.url else "1",
        }
        if message.url:
            out["extra.web_uri"] = message.url
        channel = self._cfg.channels.get(message.category)
        if channel:
            out["extra.channel_id"] = channel
        return out

    async def send(self, message: Message) -> Attempt:
        return await in_groups(
            self.name, tokens(message, PLATFORMS), MAX_TOKENS, lambda t: self._call(message, t)
        )

    async def _call(self, message: Message, found: list[str]) -> Attempt:
        headers = {"authorization": f"key={self._cfg.app_secret}"}
        got = await exchange(
            self._client,
            self.name,
            "POST",
            self._url,
            data=self.form(message, found),
            headers=headers,
        )
        if isinstance(got, Attempt):
            return got
        return self._judge(got, found)

    def _judge(self, got: Answer, found: list[str]) -> Attempt:
        code, result = got.field("code"), got.field("result")
        data = got.field("data")
        bad = set(str(data.get("bad_regids", "")).split(",")) if isinstance(data, dict) else set()
        if got.status == 200 and result == "ok" and code in (0, "0"):
            dead = tuple(t for t in found if t in bad)
            if dead and len(dead) == len(found):
                return Attempt(Result.PERMANENT, self.name, "bad regid", dead_contacts=dead)
            msg_id = data.get("id") if isinstance(data, dict) else ""
            return Attempt(Result.SENT, self.name, f"id {msg_id}", dead_contacts=dead)
        reason = f"{got.field('reason') or ''} {got.field('description') or ''}".strip()
        if got.status not in (200, 400):
            return status_attempt(self.name, got, f"code {code}")
        if any(word in reason.lower() for word in THROTTLED):
            return Attempt(
                Result.RETRYABLE, self.name, f"code {code} {reason}"[:160], got.retry_after
            )
        return Attempt(Result.PERMANENT, self.name, f"code {code} {reason}"[:160])
