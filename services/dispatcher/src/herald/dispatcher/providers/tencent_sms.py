"""Tencent Cloud SMS (sms 2021-01-11, `SendSms`), signed TC3-HMAC-SHA256.

One call per delivery: `PhoneNumberSet` (one E.164 number), `SmsSdkAppId`, `SignName`,
`TemplateId`, `TemplateParamSet` (the template's positional values) and `SessionContext`
= the delivery id. Tencent's delivery receipts carry only its `sid` (the `SerialNo` of
the answer), so the provider remembers SerialNo -> delivery id (`Refs`).

Answers (Tencent Cloud API docs for SendSms 2021-01-11 and its error codes, which the
SDK lists in `tencentcloud.sms.v20210111.errorcodes`): an `Error` in the response
is for the whole call: `AuthFailure.*` and most others are permanent; `RequestLimitExceeded*`,
`LimitExceeded.DeliveryFrequencyLimit` and `InternalError.*` are retried. Otherwise the
number's own `SendStatusSet[0].Code`: `Ok` is sent; an invalid number is permanent and
reported dead; `FailedOperation.PhoneNumberInBlacklist` (the number is on the vendor's
block list, e.g. after replying TD) and per-number limits (`LimitExceeded.PhoneNumber*`)
are permanent; `FailedOperation.MarketingSendTimeConstraint` (marketing outside
08:00-22:00 Beijing time) is retried after 08:00.
"""

import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import structlog

from herald.dispatcher.providers.base import Attempt, Message, Provider, Result
from herald.dispatcher.providers.http import Answer, exchange, status_attempt
from herald.dispatcher.providers.refs import Refs
from herald.dispatcher.providers.sms_templates import SmsTemplate, choose, fill, positional
from herald.dispatcher.providers.tencent_sign import CONTENT_TYPE, tc3_authorization

log = structlog.get_logger(__name__)
SERVICE, ACTION, VERSION = "sms", "SendSms", "2021-01-11"
DEAD_NUMBER = frozenset(
    {"InvalidParameterValue.IncorrectPhoneNumber", "FailedOperation.PhoneNumberParseFail"}
)
CALL_RETRYABLE = ("RequestLimitExceeded", "InternalError", "LimitExceeded.DeliveryFrequencyLimit")
MARKETING_HOURS = "FailedOperation.MarketingSendTimeConstraint"
BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class TencentSmsConfig:
    secret_id: str
    secret_key: str
    sdk_app_id: str
    sign_name: str
    templates: dict[str, SmsTemplate]
    region: str = "ap-guangzhou"
    endpoint: str = "https://sms.tencentcloudapi.com"
    clock: Callable[[], float] = field(default=time.time)


def seconds_to_morning(now: float) -> float:
    """Seconds until the next 08:00 in Beijing, when marketing SMS may go again."""
    local = datetime.fromtimestamp(now, BEIJING)
    morning = local.replace(hour=8, minute=0, second=0, microsecond=0)
    if morning <= local:
        morning += timedelta(days=1)
    return (morning - local).total_seconds()


def number_result(code: str) -> Result:
    if code == "Ok":
        return Result.SENT
    if code == MARKETING_HOURS or code.startswith("InternalError"):
        return Result.RETRYABLE
    return Result.PERMANENT


class TencentSmsProvider(Provider):
    def __init__(
        self,
        client: httpx.AsyncClient,
        cfg: TencentSmsConfig,
        refs: Refs,
        name: str = "tencent-sms",
    ) -> None:
        self.name, self._client, self._cfg, self._refs = name, client, cfg, refs
        self._host = urllib.parse.urlsplit(cfg.endpoint).netloc

    def payload(self, message: Message, phone: str, template: SmsTemplate) -> dict[str, Any]:
        return {
            "PhoneNumberSet": [phone],
            "SmsSdkAppId": self._cfg.sdk_app_id,
            "SignName": self._cfg.sign_name,
            "TemplateId": template.code,
            "TemplateParamSet": positional(fill(template, message)),
            "SessionContext": message.delivery_id,
        }

    def headers(self, body: bytes, timestamp: int) -> dict[str, str]:
        cfg = self._cfg
        auth = tc3_authorization(
            cfg.secret_id, cfg.secret_key, SERVICE, self._host, body, timestamp
        )
        return {
            "authorization": auth,
            "content-type": CONTENT_TYPE,
            "host": self._host,
            "x-tc-action": ACTION,
            "x-tc-version": VERSION,
            "x-tc-timestamp": str(timestamp),
            "x-tc-region": cfg.region,
        }

    async def send(self, message: Message) -> Attempt:
        phone = message.contacts.phone
        if not phone:
            return Attempt(Result.PERMANENT, self.name, "no phone number")
        template = choose(self._cfg.templates, message)
        if template is None:
            return Attempt(Result.PERMANENT, self.name, "no SMS template for this message")
        body = json.dumps(self.payload(message, phone, template), ensure_ascii=False).encode()
        headers = self.headers(body, int(self._cfg.clock()))
        got = await exchange(
            self._client, self.name, "POST", f"{self._cfg.endpoint}/", headers=headers, content=body
        )
        if isinstance(got, Attempt):
            return got
        attempt, serial = self._judge(got, phone)
        if serial:
            await self._remember(serial, message.delivery_id)
        return attempt

    def _judge(self, got: Answer, phone: str) -> tuple[Attempt, str | None]:
        response = got.field("Response")
        if not isinstance(response, dict):
            return status_attempt(self.name, got, "no Response in the answer"), None
        error = response.get("Error")
        if isinstance(error, dict):
            code = str(error.get("Code", ""))
            retry = got.status >= 500 or code.startswith(CALL_RETRYABLE)
            result = Result.RETRYABLE if retry else Result.PERMANENT
            return Attempt(result, self.name, f"HTTP {got.status} {code}", got.retry_after), None
        statuses = response.get("SendStatusSet") or [{}]
        first = statuses[0] if isinstance(statuses[0], dict) else {}
        code = str(first.get("Code", ""))
        result = number_result(code)
        wait = seconds_to_morning(self._cfg.clock()) if code == MARKETING_HOURS else None
        dead = (phone,) if code in DEAD_NUMBER else ()
        if result is not Result.SENT:
            return Attempt(result, self.name, code, wait, dead), None
        serial = str(first.get("SerialNo") or "") or None
        return Attempt(result, self.name, f"{code} SerialNo {serial}"), serial

    async def _remember(self, serial: str, delivery_id: str) -> None:
        try:
            await self._refs.remember(self.name, serial, delivery_id)
        except Exception:  # the SMS went: a lost receipt is better than failing the send
            log.warning("vendor_ref_not_stored", provider=self.name, delivery_id=delivery_id)
