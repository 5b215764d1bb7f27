"""The China SMS vendors' callbacks, parsed: delivery receipts (状态报告) and replies (上行).

Pure. Neither vendor signs its callbacks (Alibaba's HTTP batch push and Tencent's
callback URL carry no signature; Tencent suggests an IP allow-list), so the address is
the credential, as for the generic SMS receipts: it holds an HMAC of the provider and
the event, which only we can make (`CallbackUrls`).

Formats (Alibaba Cloud SMS docs: SmsReport, SmsUp; Tencent Cloud SMS docs: "SMS Sending
Status Notification", tencentcloud.com/document/product/382/43547, and 短信回复/上行短信):
- Alibaba receipts: `[{"phone_number", "success", "err_code", "biz_id", "out_id", ...}]`
  (out_id is our delivery id, or `~...` for a batch: then `out_id/phone_number` is the
  reference the provider remembered); replies: `[{"phone_number", "content", "send_time",
  "sign_name", "dest_code", "sequence_id"}]` (send_time in Beijing time).
- Tencent receipts: `[{"mobile", "nationcode", "report_status": "SUCCESS"|"FAIL", "errmsg",
  "sid", ...}]` (sid is the SerialNo we remembered); replies: `{"mobile", "nationcode",
  "text", "time", "sign", "extend"}` (one object, or a list of them).
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
SHARED = "~"
BATCH = "~"
"""An Alibaba OutId starting with it names a SendBatchSms call (no delivery id can)."""
"""The owner segment of a shared provider's address (no tenant id can be `~`)."""
EVENTS = ("report", "reply")


class CallbackUrls:
    """`{base}/v1/callbacks/sms/{owner}/{name}/{event}/{sig}`; sig = first 32 hex of
    HMAC-SHA256(SIGNING_SECRET, "sms-callback:{owner}:{name}:{event}")."""

    def __init__(self, secret: bytes, public_url: str) -> None:
        self._secret, self._base = secret, public_url.rstrip("/")

    def sig(self, owner: str, name: str, event: str) -> str:
        text = f"sms-callback:{owner}:{name}:{event}".encode()
        return hmac.new(self._secret, text, hashlib.sha256).hexdigest()[:32]

    def url(self, owner: str, name: str, event: str) -> str:
        return (
            f"{self._base}/v1/callbacks/sms/{owner}/{name}/{event}/{self.sig(owner, name, event)}"
        )

    def verify(self, owner: str, name: str, event: str, sig: str) -> bool:
        return event in EVENTS and hmac.compare_digest(
            self.sig(owner, name, event).encode(), sig.encode()
        )


@dataclass(frozen=True, slots=True)
class Receipt:
    ref: str
    """Alibaba: our delivery id (out_id) or a batch member's remembered reference;
    Tencent: the vendor's sid."""
    delivered: bool
    code: str


@dataclass(frozen=True, slots=True)
class Mo:
    phone: str
    text: str
    at: datetime


def _items(body: Any) -> list[dict[str, Any]]:
    items = body if isinstance(body, list) else [body]
    return [i for i in items if isinstance(i, dict)]


def e164(number: str, country: str = "86") -> str:
    digits = "".join(c for c in number if c.isdigit())
    if number.startswith("+"):
        return f"+{digits}"
    if country == "86" and len(digits) == 13 and digits.startswith("86"):
        return f"+{digits}"
    return f"+{country}{digits}"


def aliyun_receipts(body: Any) -> list[Receipt]:
    return [
        Receipt(_aliyun_ref(i), i.get("success") is True, str(i.get("err_code", ""))[:40])
        for i in _items(body)
        if i.get("out_id")
    ]


def _aliyun_ref(item: dict[str, Any]) -> str:
    """A delivery id, or for a SendBatchSms member `<batch OutId>/<number>` (remembered)."""
    out_id = str(item["out_id"])
    return f"{out_id}/{item.get('phone_number', '')}" if out_id.startswith(BATCH) else out_id


def aliyun_replies(body: Any, now: datetime) -> list[Mo]:
    out = []
    for i in _items(body):
        if not i.get("phone_number") or i.get("content") is None:
            continue
        out.append(Mo(e164(str(i["phone_number"])), str(i["content"]), _beijing(i, now)))
    return out


def _beijing(item: dict[str, Any], now: datetime) -> datetime:
    try:
        local = datetime.strptime(str(item.get("send_time")), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return now
    return local.replace(tzinfo=BEIJING)


def tencent_receipts(body: Any) -> list[Receipt]:
    return [
        Receipt(str(i["sid"]), i.get("report_status") == "SUCCESS", str(i.get("errmsg", ""))[:40])
        for i in _items(body)
        if i.get("sid")
    ]


def tencent_replies(body: Any, now: datetime) -> list[Mo]:
    out = []
    for i in _items(body):
        if not i.get("mobile") or i.get("text") is None:
            continue
        when = i.get("time")
        at = datetime.fromtimestamp(when, UTC) if isinstance(when, int) else now
        phone = e164(str(i["mobile"]), str(i.get("nationcode") or "86"))
        out.append(Mo(phone, str(i["text"]), at))
    return out


ANSWERS = {
    "aliyun_sms": ({"code": 0, "msg": "接收成功"}, {"code": 1, "msg": "bad request"}),
    "tencent_sms": ({"result": 0, "errmsg": "OK"}, {"result": 1, "errmsg": "bad request"}),
}
"""What each vendor expects back: success, and failure (it retries a failure)."""
