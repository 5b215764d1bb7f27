"""Tencent Cloud SMS (sms 2021-01-11, `SendSms`), signed TC3-HMAC-SHA256.

`SendSms` takes up to 200 numbers with one `TemplateId` and one `TemplateParamSet`
(the template's positional values), so a batch is grouped by (template, values): the
messages whose rendered values are equal go in one call (values with a per-recipient
tracked link never are, and go one call each). `SessionContext` is the delivery id when
a call carries one message. The answer's `SendStatusSet` has one entry per number with
its own `Code` and `SerialNo`; each maps back to its message by `PhoneNumber`. Tencent's
delivery receipts carry only that `sid`, so the provider remembers SerialNo -> delivery
id (`Refs`).

Answers (Tencent Cloud API docs for SendSms 2021-01-11 and its error codes, which the
SDK lists in `tencentcloud.sms.v20210111.errorcodes`): an `Error` in the response
is for the whole call: `AuthFailure.*` and most others are permanent; `RequestLimitExceeded*`,
`LimitExceeded.DeliveryFrequencyLimit` and `InternalError.*` are retried. Otherwise the
number's own `SendStatusSet[0].Code`: `Ok` is sent; an invalid number is permanent and
reported dead; `FailedOperation.PhoneNumberInBlacklist` (the number is on the vendor's
block list, e.g. after replying TD) and per-number limits (`LimitExceeded.PhoneNumber*`)
are permanent; `FailedOperation.MarketingSendTimeConstraint` (marketing outside
08:00-22:00 Beijing time) is retried after 08:00. A number's own answer is blamed on the
send (`Blame.SEND`): a night-time marketing text must not open the breaker that every
tenant's notifications share.
"""

import json
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import structlog

from herald.dispatcher.providers.base import Attempt, Blame, Message, Provider, Result
from herald.dispatcher.providers.batching import chunks, run
from herald.dispatcher.providers.http import Answer, exchange, status_attempt
from herald.dispatcher.providers.refs import Refs
from herald.dispatcher.providers.sms_templates import (
    SmsTemplate,
    fill,
    phone_and_template,
    positional,
)
from herald.dispatcher.providers.tencent_sign import CONTENT_TYPE, tc3_authorization

log = structlog.get_logger(__name__)
SERVICE, ACTION, VERSION = "sms", "SendSms", "2021-01-11"
DEAD_NUMBER = frozenset(
    {"InvalidParameterValue.IncorrectPhoneNumber", "FailedOperation.PhoneNumberParseFail"}
)
CALL_RETRYABLE = ("RequestLimitExceeded", "InternalError", "LimitExceeded.DeliveryFrequencyLimit")
MARKETING_HOURS = "FailedOperation.MarketingSendTimeConstraint"
MAX_NUMBERS = 200
BEIJING = ZoneInfo("Asia/Shanghai")


# deliberate declaration: the vendor's credentials and options, as vendor_config.TencentSmsSpec
# resolves them
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


Plan = tuple[str, SmsTemplate, list[str]]
"""A sendable message: its phone number, template and positional values."""


# deliberate declaration: a provider's constructor: its client, config and name
class TencentSmsProvider(Provider):
    opt_out_in_template = True
    """Its approved marketing templates carry their own opt-out text (拒收请回复R)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        cfg: TencentSmsConfig,
        refs: Refs,
        name: str = "tencent-sms",
    ) -> None:
        self.name, self._client, self._cfg, self._refs = name, client, cfg, refs
        self._host = urllib.parse.urlsplit(cfg.endpoint).netloc

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

    def _plan(self, message: Message) -> Plan | Attempt:
        found = phone_and_template(self._cfg.templates, message, self.name)
        if isinstance(found, Attempt):
            return found
        phone, template = found
        return phone, template, positional(fill(template, message))

    async def send(self, message: Message) -> Attempt:
        return (await self.send_many([message]))[0]

    async def send_many(self, messages: Sequence[Message]) -> list[Attempt]:
        plans = [self._plan(m) for m in messages]
        done = {i: p for i, p in enumerate(plans) if isinstance(p, Attempt)}
        ready = {i: p for i, p in enumerate(plans) if not isinstance(p, Attempt)}
        groups = chunks(
            ready, lambda i: (ready[i][1].code, *ready[i][2]), MAX_NUMBERS, lambda i: ready[i][0]
        )
        calls = [(g, self._call([messages[i] for i in g], [ready[i] for i in g])) for g in groups]
        return await run(calls, len(messages), done)

    async def _call(self, messages: list[Message], plans: list[Plan]) -> list[Attempt]:
        """One SendSms for messages sharing a template and values; answers in order."""
        phones, (_, template, params) = [p[0] for p in plans], plans[0]
        payload: dict[str, Any] = {
            "PhoneNumberSet": phones,
            "SmsSdkAppId": self._cfg.sdk_app_id,
            "SignName": self._cfg.sign_name,
            "TemplateId": template.code,
            "TemplateParamSet": params,
        }
        if len(messages) == 1:
            payload["SessionContext"] = messages[0].delivery_id
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = self.headers(body, int(self._cfg.clock()))
        got = await exchange(
            self._client, self.name, "POST", f"{self._cfg.endpoint}/", headers=headers, content=body
        )
        if isinstance(got, Attempt):
            return [got] * len(messages)
        whole = self._whole(got)
        if whole is not None:
            return [whole] * len(messages)
        return await self._numbers(got, messages, phones)

    def _whole(self, got: Answer) -> Attempt | None:
        """The call's own failure (no Response, or an Error for the whole call), if any."""
        response = got.field("Response")
        if not isinstance(response, dict):
            return status_attempt(self.name, got, "no Response in the answer")
        error = response.get("Error")
        if not isinstance(error, dict):
            return None
        code = str(error.get("Code", ""))
        retry = got.status >= 500 or code.startswith(CALL_RETRYABLE)
        result = Result.RETRYABLE if retry else Result.PERMANENT
        return Attempt(result, self.name, f"HTTP {got.status} {code}", got.retry_after)

    async def _numbers(
        self, got: Answer, messages: list[Message], phones: list[str]
    ) -> list[Attempt]:
        found = got.field("Response").get("SendStatusSet")
        statuses = [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []
        by_phone = {str(s.get("PhoneNumber")): s for s in statuses}
        out = []
        for message, phone in zip(messages, phones, strict=True):
            status = by_phone.get(phone) or (statuses[0] if len(phones) == 1 and statuses else None)
            if status is None:
                out.append(Attempt(Result.RETRYABLE, self.name, "no status for this number"))
                continue
            attempt, serial = self._number(status, phone)
            if serial:
                await self._remember(serial, message.delivery_id)
            out.append(attempt)
        return out

    def _number(self, status: dict[str, Any], phone: str) -> tuple[Attempt, str | None]:
        code = str(status.get("Code", ""))
        result = number_result(code)
        if result is not Result.SENT:
            wait = seconds_to_morning(self._cfg.clock()) if code == MARKETING_HOURS else None
            dead = (phone,) if code in DEAD_NUMBER else ()
            blame = Blame.PROVIDER if code.startswith("InternalError") else Blame.SEND
            return Attempt(result, self.name, code, wait, dead, blame), None
        serial = str(status.get("SerialNo") or "") or None
        return Attempt(result, self.name, f"{code} SerialNo {serial}"), serial

    async def _remember(self, serial: str, delivery_id: str) -> None:
        try:
            await self._refs.remember(self.name, serial, delivery_id)
        except Exception:  # the SMS went: a lost receipt is better than failing the send
            log.warning("vendor_ref_not_stored", provider=self.name, delivery_id=delivery_id)
