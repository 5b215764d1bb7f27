"""Alibaba Cloud SMS (dysmsapi 2017-05-25, `SendSms`), signed V3 (default) or RPC V1.

One call per delivery: `PhoneNumbers` (one number), `SignName`, `TemplateCode`,
`TemplateParam` (JSON of the template's variables) and `OutId` = the delivery id, which
Alibaba echoes in its delivery receipts (`out_id`), so a receipt finds its delivery
without anything stored. (`SendBatchSms` sends one template to up to 100 numbers in one
call; Herald sends each delivery on its own, so its outcome and OutId stay its own.)
Alibaba offers no idempotency key for SendSms ("国内短信...不支持幂等"): a repeat after
a crash between the answer and recording it can reach the phone twice.

Answers (help.aliyun.com, SendSms 错误码): `Code: OK` is sent. Invalid numbers are
permanent and reported dead; per-number frequency limits (`isv.BUSINESS_LIMIT_CONTROL`,
`isv.DAY_LIMIT_CONTROL` ...) are permanent for this message (retrying, or another SMS
account, would break the carriers' per-number rule); API throttling (`Throttling*`) and
system errors (`isp.SYSTEM_ERROR`, 5xx) are retried; everything else is permanent.
"""

import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from herald.dispatcher.providers.aliyun_sign import (
    acs3_authorization,
    acs3_headers,
    rpc_params,
    rpc_signature,
)
from herald.dispatcher.providers.base import Attempt, Message, Provider, Result
from herald.dispatcher.providers.http import Answer, exchange, status_attempt
from herald.dispatcher.providers.sms_templates import SmsTemplate, choose, fill, mainland

ACTION, VERSION = "SendSms", "2017-05-25"
DEAD_NUMBER = frozenset({"isv.MOBILE_NUMBER_ILLEGAL", "isv.PHONE_NUMBER_ILLEGAL"})
RETRYABLE = frozenset(
    {"isp.SYSTEM_ERROR", "isp.GATEWAY_ERROR", "isp.UNKNOWN", "ServiceUnavailable"}
)


@dataclass(frozen=True, slots=True)
class AliyunSmsConfig:
    access_key_id: str
    access_key_secret: str
    sign_name: str
    templates: dict[str, SmsTemplate]
    endpoint: str = "https://dysmsapi.aliyuncs.com"
    signature: str = "v3"
    """`v3` (ACS3-HMAC-SHA256) or `rpc` (HMAC-SHA1, the RPC V1 signature)."""
    up_extend_code: str | None = None
    """`SmsUpExtendCode`: tells replies (上行) to different senders apart."""
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def classify(code: str) -> Result:
    if code == "OK":
        return Result.SENT
    if code in RETRYABLE or code.startswith("Throttling"):
        return Result.RETRYABLE
    return Result.PERMANENT


class AliyunSmsProvider(Provider):
    def __init__(
        self, client: httpx.AsyncClient, cfg: AliyunSmsConfig, name: str = "aliyun-sms"
    ) -> None:
        self.name, self._client, self._cfg = name, client, cfg
        self._host = urllib.parse.urlsplit(cfg.endpoint).netloc

    def params(self, message: Message, phone: str, template: SmsTemplate) -> dict[str, str]:
        out = {
            "PhoneNumbers": mainland(phone),
            "SignName": self._cfg.sign_name,
            "TemplateCode": template.code,
            "TemplateParam": json.dumps(fill(template, message), ensure_ascii=False),
            "OutId": message.delivery_id,
        }
        if self._cfg.up_extend_code:
            out["SmsUpExtendCode"] = self._cfg.up_extend_code
        return out

    def request(self, params: dict[str, str]) -> tuple[str, dict[str, str], bytes]:
        """(url, headers, body) of one signed SendSms call."""
        cfg, now = self._cfg, self._cfg.clock()
        if cfg.signature == "rpc":
            signed = {**rpc_params(ACTION, VERSION, cfg.access_key_id, now), **params}
            signed["Signature"] = rpc_signature("POST", signed, cfg.access_key_secret)
            body = urllib.parse.urlencode(signed, quote_via=urllib.parse.quote).encode()
            headers = {"content-type": "application/x-www-form-urlencoded"}
            return f"{cfg.endpoint}/", headers, body
        headers = acs3_headers(ACTION, VERSION, self._host, b"", now)
        headers["authorization"] = acs3_authorization(
            "POST", "/", params, headers, b"", cfg.access_key_id, cfg.access_key_secret
        )
        query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        return f"{cfg.endpoint}/?{query}", headers, b""

    async def send(self, message: Message) -> Attempt:
        phone = message.contacts.phone
        if not phone:
            return Attempt(Result.PERMANENT, self.name, "no phone number")
        template = choose(self._cfg.templates, message)
        if template is None:
            return Attempt(Result.PERMANENT, self.name, "no SMS template for this message")
        url, headers, body = self.request(self.params(message, phone, template))
        got = await exchange(self._client, self.name, "POST", url, headers=headers, content=body)
        if isinstance(got, Attempt):
            return got
        return self._judge(got, phone)

    def _judge(self, got: Answer, phone: str) -> Attempt:
        code = str(got.field("Code") or "")
        if not code:
            return status_attempt(self.name, got, "no Code in the answer")
        result = classify(code)
        detail = f"HTTP {got.status} {code}" + (
            f" BizId {got.field('BizId')}" if code == "OK" else ""
        )
        if result is Result.SENT and got.status >= 300:
            result = Result.RETRYABLE
        dead = (phone,) if code in DEAD_NUMBER else ()
        return Attempt(result, self.name, detail, got.retry_after, dead)
