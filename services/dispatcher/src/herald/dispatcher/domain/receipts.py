"""Delivery receipts: SMS gateways post them to a URL we signed for that delivery.

`{DISPATCHER_PUBLIC_URL}/v1/receipts/sms/{delivery_id}/{sig}`, sig = first 32 hex of
HMAC-SHA256(SIGNING_SECRET, "sms-receipt:" + delivery_id). Only we can make such a URL,
so a receipt for it needs no other authentication.
"""

import hashlib
import hmac
from datetime import datetime

from herald.contracts import Engagement, EngagementKind

DELIVERED = frozenset({"delivered", "DELIVRD", "DELIVERED", "success"})


class ReceiptUrls:
    def __init__(self, secret: bytes, public_url: str) -> None:
        self._secret, self._base = secret, public_url.rstrip("/")

    def sig(self, delivery_id: str) -> str:
        mac = hmac.new(self._secret, f"sms-receipt:{delivery_id}".encode(), hashlib.sha256)
        return mac.hexdigest()[:32]

    def url(self, delivery_id: str) -> str:
        return f"{self._base}/v1/receipts/sms/{delivery_id}/{self.sig(delivery_id)}"

    def verify(self, delivery_id: str, sig: str) -> bool:
        return hmac.compare_digest(self.sig(delivery_id).encode(), sig.encode())


def receipt_status(form: dict[str, str]) -> str:
    """Twilio's `MessageStatus`, or a custom gateway's `status`."""
    return form.get("MessageStatus") or form.get("status") or form.get("SmsStatus") or ""


def receipt(kind: EngagementKind, delivery_id: str, at: datetime) -> Engagement:
    """A receipt (`delivered` from a gateway, `read` from the inbox) as an Engagement.
    One event id per delivery and kind: repeats of a receipt count once downstream."""
    prefix = "rcpt" if kind == EngagementKind.DELIVERED else str(kind)
    return Engagement(
        event_id=f"{prefix}-{delivery_id}"[:128], delivery_id=delivery_id, kind=kind, at=at
    )
