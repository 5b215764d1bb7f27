"""SMS through an HTTP gateway: a built-in Twilio shape, or a configurable JSON/form shape.

Each message carries a signed receipt URL; the gateway posts delivery receipts there
(`POST /v1/receipts/sms/{delivery_id}/{sig}`, see receipts.py).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from herald.dispatcher.providers.base import Attempt, Blame, Message, Provider, Result
from herald.dispatcher.providers.http import answer, exchange

DEAD_NUMBER_CODES = frozenset({21211, 21614})  # Twilio: invalid 'To', not a mobile number


@dataclass(frozen=True, slots=True)
class SmsConfig:
    url: str
    shape: str = "twilio"
    """`twilio` (form POST, basic auth, StatusCallback) or `custom` (the fields below)."""
    account: str | None = None
    token: str | None = None
    sender: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    """custom: body field -> template over {phone} {body} {title} {delivery_id} {receipt_url}."""
    encoding: str = "json"
    """custom: `json` or `form`."""
    headers: dict[str, str] = field(default_factory=dict)


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def custom_body(cfg: SmsConfig, values: dict[str, str]) -> dict[str, str]:
    return {name: tpl.format_map(_Values(values)) for name, tpl in cfg.fields.items()}


def twilio_body(cfg: SmsConfig, values: dict[str, str]) -> dict[str, str]:
    body = {"To": values["phone"], "Body": values["body"], "StatusCallback": values["receipt_url"]}
    if cfg.sender:
        key = "MessagingServiceSid" if cfg.sender.startswith("MG") else "From"
        body[key] = cfg.sender
    return body


def error_code(data: Any) -> int | None:
    code = data.get("code") if isinstance(data, dict) else None
    return code if isinstance(code, int) else None


class SmsProvider(Provider):
    def __init__(
        self,
        client: httpx.AsyncClient,
        cfg: SmsConfig,
        receipt_url: Callable[[str], str],
        name: str = "sms",
    ) -> None:
        self.name, self._client, self._cfg, self._receipt_url = name, client, cfg, receipt_url

    def _request(self, message: Message, phone: str) -> dict[str, Any]:
        values = {
            "phone": phone,
            "body": message.body,
            "title": message.title,
            "delivery_id": message.delivery_id,
            "receipt_url": self._receipt_url(message.delivery_id),
        }
        headers = {"idempotency-key": message.delivery_id, **self._cfg.headers}
        if self._cfg.shape == "twilio":
            auth = (self._cfg.account or "", self._cfg.token or "")
            return {"data": twilio_body(self._cfg, values), "auth": auth, "headers": headers}
        body = custom_body(self._cfg, values)
        key = "json" if self._cfg.encoding == "json" else "data"
        return {key: body, "headers": headers}

    async def send(self, message: Message) -> Attempt:
        phone = message.contacts.phone
        if not phone:
            return Attempt(Result.PERMANENT, self.name, "no phone number", blame=Blame.SEND)
        request = self._request(message, phone)
        got = await exchange(
            self._client, self.name, "POST", self._cfg.url, need_body=False, **request
        )
        if isinstance(got, Attempt):
            return got
        attempt = answer(self.name, got)
        code = error_code(got.data) if not attempt.ok else None
        if code in DEAD_NUMBER_CODES:
            return Attempt(
                Result.PERMANENT,
                self.name,
                f"{attempt.detail} code {code}",
                dead_contacts=(phone,),
                blame=Blame.SEND,
            )
        return attempt
