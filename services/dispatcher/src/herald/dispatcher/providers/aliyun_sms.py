"""Alibaba Cloud SMS (dysmsapi 2017-05-25, `SendSms`), signed V3 (default) or RPC V1.

One message: `SendSms` with `PhoneNumbers` (one number), `SignName`, `TemplateCode`,
`TemplateParam` (JSON of the template's variables) and `OutId` = the delivery id, which
Alibaba echoes in its delivery receipts (`out_id`), so a receipt finds its delivery
without anything stored. A batch: `SendBatchSms` per template, up to 100 numbers, each
with its own values (`PhoneNumberJson`, `SignNameJson`, `TemplateParamJson` are
parallel arrays), so even personalised texts share a call. Its one `OutId` is a batch
reference starting with `~` (never a delivery id), and each member is remembered as
`<OutId>/<number>` -> delivery id (`Refs`), which is how its receipt finds it. The call
is accepted or refused as a whole: a refusal that retrying cannot mend (a bad number
among them, say) is sent again one message per call, so only the bad one fails.
Alibaba offers no idempotency key ("国内短信...不支持幂等"): a repeat after a crash
between the answer and recording it can reach the phone twice.

Answers (help.aliyun.com, SendSms 错误码): `Code: OK` is sent. Invalid numbers are
permanent and reported dead; per-number frequency limits (`isv.BUSINESS_LIMIT_CONTROL`,
`isv.DAY_LIMIT_CONTROL` ...) are permanent for this message (retrying, or another SMS
account, would break the carriers' per-number rule); API throttling (`Throttling*`) and
system errors (`isp.SYSTEM_ERROR`, 5xx) are retried; everything else is permanent.
"""

import asyncio
import hashlib
import json
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import structlog

from herald.dispatcher.providers.aliyun_sign import signed_request
from herald.dispatcher.providers.base import Attempt, Blame, Message, Provider, Result
from herald.dispatcher.providers.batching import chunks, run
from herald.dispatcher.providers.http import Answer, exchange, status_attempt
from herald.dispatcher.providers.refs import MemoryRefs, Refs
from herald.dispatcher.providers.sms_templates import (
    SmsTemplate,
    fill,
    mainland,
    phone_and_template,
)

ACTION, BATCH_ACTION, VERSION = "SendSms", "SendBatchSms", "2017-05-25"
MAX_NUMBERS = 100
BATCH_REF = "~"
"""An OutId that starts with it names a batch, not a delivery (callbacks.py)."""
log = structlog.get_logger(__name__)
DEAD_NUMBER = frozenset({"isv.MOBILE_NUMBER_ILLEGAL", "isv.PHONE_NUMBER_ILLEGAL"})
RETRYABLE = frozenset(
    {"isp.SYSTEM_ERROR", "isp.GATEWAY_ERROR", "isp.UNKNOWN", "ServiceUnavailable"}
)


# deliberate declaration: the vendor's credentials and options, as vendor_config.AliyunSmsSpec
# resolves them
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


Plan = tuple[str, SmsTemplate, dict[str, str]]
"""A sendable message: its number (as Alibaba takes it), template and values."""


# deliberate declaration: a provider's constructor: its client, config and name
class AliyunSmsProvider(Provider):
    opt_out_in_template = True
    """Its approved marketing templates carry their own opt-out text (拒收请回复R)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        cfg: AliyunSmsConfig,
        name: str = "aliyun-sms",
        refs: Refs | None = None,
    ) -> None:
        self.name, self._client, self._cfg = name, client, cfg
        self._refs = refs or MemoryRefs()
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

    def batch_params(self, plans: list[Plan], out_id: str) -> dict[str, str]:
        def array(values: list[Any]) -> str:
            return json.dumps(values, ensure_ascii=False)

        out = {
            "PhoneNumberJson": array([p[0] for p in plans]),
            "SignNameJson": array([self._cfg.sign_name] * len(plans)),
            "TemplateCode": plans[0][1].code,
            "TemplateParamJson": array([p[2] for p in plans]),
            "OutId": out_id,
        }
        if self._cfg.up_extend_code:
            out["SmsUpExtendCodeJson"] = array([self._cfg.up_extend_code] * len(plans))
        return out

    def request(
        self, params: dict[str, str], action: str = ACTION
    ) -> tuple[str, dict[str, str], bytes]:
        """(url, headers, body) of one signed call."""
        cfg = self._cfg
        keys = (cfg.access_key_id, cfg.access_key_secret)
        return signed_request(
            cfg.endpoint, self._host, keys, cfg.signature, (action, VERSION), params, cfg.clock()
        )

    def _plan(self, message: Message) -> Plan | Attempt:
        found = phone_and_template(self._cfg.templates, message, self.name)
        if isinstance(found, Attempt):
            return found
        phone, template = found
        return mainland(phone), template, fill(template, message)

    async def send(self, message: Message) -> Attempt:
        plan = self._plan(message)
        if isinstance(plan, Attempt):
            return plan
        phone = message.contacts.phone or ""
        url, headers, body = self.request(self.params(message, phone, plan[1]))
        got = await exchange(self._client, self.name, "POST", url, headers=headers, content=body)
        if isinstance(got, Attempt):
            return got
        return self._judge(got, phone)

    async def send_many(self, messages: Sequence[Message]) -> list[Attempt]:
        plans = [self._plan(m) for m in messages]
        done = {i: p for i, p in enumerate(plans) if isinstance(p, Attempt)}
        ready = {i: p for i, p in enumerate(plans) if not isinstance(p, Attempt)}
        groups = chunks(ready, lambda i: ready[i][1].code, MAX_NUMBERS, lambda i: ready[i][0])
        calls = [(g, self._batch([messages[i] for i in g], [ready[i] for i in g])) for g in groups]
        return await run(calls, len(messages), done)

    async def _batch(self, messages: list[Message], plans: list[Plan]) -> list[Attempt]:
        if len(messages) == 1:
            return [await self.send(messages[0])]
        out_id = batch_ref([m.delivery_id for m in messages])
        url, headers, body = self.request(self.batch_params(plans, out_id), BATCH_ACTION)
        got = await exchange(self._client, self.name, "POST", url, headers=headers, content=body)
        if isinstance(got, Attempt):
            return [got] * len(messages)
        whole = self._judge(got, "")
        if whole.result is Result.PERMANENT:  # maybe one number's fault: each on its own
            return list(await asyncio.gather(*(self.send(m) for m in messages)))
        if whole.ok:
            for message, plan in zip(messages, plans, strict=True):
                await self._remember(f"{out_id}/{plan[0]}", message.delivery_id)
        return [whole] * len(messages)

    async def _remember(self, ref: str, delivery_id: str) -> None:
        try:
            await self._refs.remember(self.name, ref, delivery_id)
        except Exception:  # the SMS went: a lost receipt is better than failing the send
            log.warning("vendor_ref_not_stored", provider=self.name, delivery_id=delivery_id)

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
        dead = (phone,) if code in DEAD_NUMBER and phone else ()
        blame = Blame.SEND if dead else Blame.PROVIDER
        return Attempt(result, self.name, detail, got.retry_after, dead, blame)


def batch_ref(delivery_ids: list[str]) -> str:
    """The OutId of a batch: `~` and a digest of its members (a retried batch keeps it)."""
    digest = hashlib.blake2b("\n".join(delivery_ids).encode(), digest_size=12).hexdigest()
    return f"{BATCH_REF}{digest}"
