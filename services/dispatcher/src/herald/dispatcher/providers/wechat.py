"""WeChat official account template messages (模板消息), the `social` channel.

Which message kind, and why: customer-service messages (客服消息) may only be sent
within 48 hours of the user's last interaction with the account, which Herald cannot
see (it would need the account's own event push); template messages are not bound by
that window and are what WeChat offers for service notifications. So Herald sends
template messages: `POST {endpoint}/cgi-bin/message/template/send?access_token=...`
with `{"touser": openid, "template_id", "url", "client_msg_id": delivery id (WeChat
drops a repeat of the same id), "data": {key: {"value"}}}`.

Templates are approved by WeChat and may not carry marketing (模板消息运营规范); review's
format rules hold `social` requests to that and to the value limits (since 2023 a
template shows only its keyword values; `thing` at most 20 characters,
`character_string`/`number`/`letter` 32, `phrase` 5, `phone_number` 17, `car_number` 8,
`amount` 10, `name` 10). The provider cuts a value to its key's limit as a last guard
(personalisation runs after review).

The access token (`GET /cgi-bin/token?grant_type=client_credential`, 7200 s) is shared
by all replicas (`SharedTokens`); a 40001/40014/42001 answer drops it. Other answers:
40003 (invalid openid) and 43004 (the user unfollowed) mark the openid dead; 45009 (API
quota), 45011 (frequency) and -1 (busy) are retried; the rest (40037 bad template,
47003 bad data, 43101 user refused ...) are permanent.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from herald.dispatcher.providers.base import Attempt, Message, Provider, Result
from herald.dispatcher.providers.http import Answer, exchange, status_attempt
from herald.dispatcher.providers.sms_templates import values
from herald.dispatcher.providers.vendor import TokenError, shorten
from herald.dispatcher.providers.wechat_tokens import SharedTokens

LIMITS = {"thing": 20, "character_string": 32, "number": 32, "letter": 32, "symbol": 5,
          "phrase": 5, "phone_number": 17, "car_number": 8, "amount": 10, "name": 10,
          "const": 20}  # fmt: skip
TOKEN_REFUSED = frozenset({40001, 40014, 42001})
DEAD = frozenset({40003, 43004})
RETRYABLE = frozenset({-1, 45009, 45011})
BEIJING = ZoneInfo("Asia/Shanghai")
_KEY_TYPE = re.compile(r"^([a-z_]+?)\d*$")


def key_limit(key: str) -> int | None:
    """The length limit of a template key by its type (`thing3` -> 20)."""
    found = _KEY_TYPE.match(key)
    return LIMITS.get(found.group(1)) if found else None


# deliberate declaration: the vendor's credentials and options, as vendor_config.WechatSpec resolves
# them
@dataclass(frozen=True, slots=True)
class WechatConfig:
    app_id: str
    app_secret: str
    template_id: str
    data: dict[str, str]
    endpoint: str = "https://api.weixin.qq.com"


class WechatProvider(Provider):
    def __init__(
        self,
        client: httpx.AsyncClient,
        cfg: WechatConfig,
        tokens: SharedTokens,
        name: str = "wechat",
    ) -> None:
        self.name, self._client, self._cfg, self._tokens = name, client, cfg, tokens
        self._key = f"wechat:{cfg.app_id}"

    async def _fetch(self) -> tuple[str, float]:
        cfg = self._cfg
        query = {"grant_type": "client_credential", "appid": cfg.app_id, "secret": cfg.app_secret}
        got = await exchange(
            self._client, self.name, "GET", f"{cfg.endpoint}/cgi-bin/token", params=query
        )
        if isinstance(got, Attempt) or got.status >= 500 or got.field("errcode") in RETRYABLE:
            raise httpx.TransportError("token endpoint busy")
        if not got.field("access_token"):
            raise TokenError(f"HTTP {got.status} errcode {got.field('errcode')}")
        return str(got.field("access_token")), float(got.field("expires_in") or 7200)

    def data(self, message: Message, now: datetime) -> dict[str, dict[str, str]]:
        found = values(message)
        found["sent_at"] = now.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
        out = {}
        for key, source in self._cfg.data.items():
            value = source.format_map(found)
            limit = key_limit(key)
            out[key] = {"value": shorten(value, limit) if limit else value}
        return out

    def body(self, message: Message, openid: str, now: datetime) -> dict[str, Any]:
        out: dict[str, Any] = {
            "touser": openid,
            "template_id": self._cfg.template_id,
            "client_msg_id": message.delivery_id,
            "data": self.data(message, now),
        }
        if message.url:
            out["url"] = message.url
        return out

    async def send(self, message: Message) -> Attempt:
        openid = message.contacts.wechat_openid
        if not openid:
            return Attempt(Result.PERMANENT, self.name, "no WeChat openid")
        try:
            access = await self._tokens.get(self._key, self._fetch, 300.0)
        except TokenError as exc:
            return Attempt(Result.PERMANENT, self.name, f"token refused: {exc}")
        except httpx.HTTPError as exc:
            return Attempt(Result.RETRYABLE, self.name, f"token: {type(exc).__name__}")
        url = f"{self._cfg.endpoint}/cgi-bin/message/template/send"
        body = self.body(message, openid, datetime.now(BEIJING))
        got = await exchange(
            self._client, self.name, "POST", url, params={"access_token": access}, json=body
        )
        if isinstance(got, Attempt):
            return got
        return await self._judge(got, openid, access)

    async def _judge(self, got: Answer, openid: str, access: str) -> Attempt:
        code = got.field("errcode")
        if got.status != 200 or not isinstance(code, int):
            return status_attempt(self.name, got, f"errcode {code}")
        text = f"errcode {code} {str(got.field('errmsg') or '')[:80]}".strip()
        if code == 0:
            return Attempt(Result.SENT, self.name, f"msgid {got.field('msgid')}")
        if code in TOKEN_REFUSED:
            await self._tokens.forget(self._key, access)
            return Attempt(Result.RETRYABLE, self.name, f"{text} (token dropped)")
        if code in DEAD:
            return Attempt(Result.PERMANENT, self.name, text, dead_contacts=(openid,))
        result = Result.RETRYABLE if code in RETRYABLE else Result.PERMANENT
        return Attempt(result, self.name, text)
