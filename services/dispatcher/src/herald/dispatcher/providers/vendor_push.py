"""What the Android vendors' push providers share: tokens by platform, limits, categories.

A recipient's `push_tokens[].platform` says which vendor issued the token (`huawei`,
`xiaomi`, `oppo`, `vivo`, `jpush`; FCM and APNs keep `fcm`/`apns`); each provider sends
only to its own platform's tokens, so one app_push route list (`["huawei", "xiaomi",
"oppo", "vivo", "fcm", "apns"]`) reaches every phone through its own vendor.
"""

import hashlib
import time
import unicodedata

from herald.dispatcher.providers.base import Message
from herald.dispatcher.providers.vendor import shorten


def units(text: str) -> int:
    """vivo counts a wide (CJK) character as two, everything else as one."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def shorten_units(text: str, limit: int) -> str:
    if units(text) <= limit:
        return text
    out, used = [], 1  # room for the ellipsis
    for c in text:
        used += units(c)
        if used > limit:
            break
        out.append(c)
    return "".join(out) + "…"


def texts(message: Message, title_max: int, body_max: int) -> tuple[str, str]:
    return shorten(message.title, title_max), shorten(message.body, body_max)


def ttl_s(message: Message, default: int = 86400) -> int:
    """Seconds the vendor should keep the message for an offline device."""
    if message.expires_at is None:
        return default
    return max(1, min(default * 15, message.expires_at - int(time.time())))


def notify_id(delivery_id: str) -> int:
    """A stable small int per delivery: a repeat replaces its notification, others stack."""
    return int.from_bytes(hashlib.blake2b(delivery_id.encode(), digest_size=4).digest()) % 2**31
