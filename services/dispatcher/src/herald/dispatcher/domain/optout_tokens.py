"""Signed opt-out tokens: what a recipient's opt-out link and preference-centre link carry.

A token is `<payload>.<key id>.<signature>` (base64url, no padding), as tracking links
are (herald.runtime.links), but signed under a key of its own purpose: the HMAC is over
`herald-optout-v1.<payload>.<key id>`, so a tracking token is never an opt-out token and
the other way round. The payload is compact JSON naming the tenant, the recipient, what
the link is for (`u`: one category, optionally one channel, to opt out of; `p`: the
preference centre), the message it came in (if any) and an expiry. Nothing in it is a
URL: the routes that accept it never redirect anywhere. A token that does not verify,
names an unknown key, has expired or names a category nobody may refuse is refused.
"""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from herald.contracts import Category, Channel

DOMAIN = b"herald-optout-v1."
REFUSABLE = (Category.MARKETING, Category.NOTIFICATION)
"""Categories a recipient can opt out of here; transactional messages always go."""
UNSUBSCRIBE, PREFERENCES = "u", "p"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class OptOutToken:
    tenant: str
    recipient_id: str
    purpose: str
    """UNSUBSCRIBE (one category, one channel or all) or PREFERENCES (everything)."""
    category: Category = Category.MARKETING
    channel: Channel | None = None
    delivery_id: str | None = None
    expires_at: int = 0


def derive_key(secret: bytes) -> bytes:
    """The opt-out key made from the service's signing secret (one purpose, one key)."""
    return hmac.new(secret, b"optout-token", hashlib.sha256).digest()


class OptOutSigner:
    """Signs with the first key, verifies with any (rotation by adding a key id)."""

    def __init__(self, keys: dict[str, bytes]) -> None:
        if not keys:
            raise ValueError("at least one opt-out key is needed")
        self._keys, self._active = keys, next(iter(keys))

    def _mac(self, kid: str, body: str) -> str:
        signed = DOMAIN + f"{body}.{kid}".encode()
        return _b64(hmac.new(self._keys[kid], signed, hashlib.sha256).digest())

    def sign(self, t: OptOutToken) -> str:
        payload = {"t": t.tenant, "r": t.recipient_id, "p": t.purpose, "c": str(t.category),
                   "h": str(t.channel) if t.channel else "", "d": t.delivery_id or "",
                   "e": t.expires_at}  # fmt: skip
        body = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
        return f"{body}.{self._active}.{self._mac(self._active, body)}"

    def verify(self, token: str, now: datetime) -> OptOutToken | None:
        parts = token.split(".")
        if len(token) > 2000 or len(parts) != 3 or parts[1] not in self._keys:
            return None
        body, kid, mac = parts
        if not hmac.compare_digest(self._mac(kid, body).encode(), mac.encode()):
            return None
        try:
            p = json.loads(_unb64(body))
            found = OptOutToken(
                str(p["t"]), str(p["r"]), str(p["p"]), Category(p["c"]),
                Channel(p["h"]) if p["h"] else None, str(p["d"]) or None, int(p["e"]),
            )  # fmt: skip
        except (ValueError, KeyError, TypeError):
            return None
        fit = found.purpose in (UNSUBSCRIBE, PREFERENCES) and found.category in REFUSABLE
        return found if fit and found.expires_at >= now.timestamp() else None
