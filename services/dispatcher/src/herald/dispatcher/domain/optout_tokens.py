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

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from herald.contracts import Category, Channel
from herald.runtime.tokens import TokenSigner

DOMAIN = b"herald-optout-v1."
REFUSABLE = (Category.MARKETING, Category.NOTIFICATION)
"""Categories a recipient can opt out of here; transactional messages always go."""
UNSUBSCRIBE, PREFERENCES = "u", "p"


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
        self._tokens = TokenSigner(keys, DOMAIN, what="opt-out")

    def sign(self, t: OptOutToken) -> str:
        payload = {"t": t.tenant, "r": t.recipient_id, "p": t.purpose, "c": str(t.category),
                   "h": str(t.channel) if t.channel else "", "d": t.delivery_id or "",
                   "e": t.expires_at}  # fmt: skip
        return self._tokens.sign(payload, ascii_only=False)

    def verify(self, token: str, now: datetime) -> OptOutToken | None:
        if len(token) > 2000:
            return None
        p = self._tokens.open(token)
        try:
            found = OptOutToken(
                str(p["t"]), str(p["r"]), str(p["p"]), Category(p["c"]),
                Channel(p["h"]) if p["h"] else None, str(p["d"]) or None, int(p["e"]),
            )  # fmt: skip
        except (ValueError, KeyError, TypeError):
            return None
        fit = found.purpose in (UNSUBSCRIBE, PREFERENCES) and found.category in REFUSABLE
        return found if fit and found.expires_at >= now.timestamp() else None
