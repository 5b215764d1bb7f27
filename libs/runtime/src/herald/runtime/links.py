"""Signed tracking links: the dispatcher signs, tracker verifies (`GET /r/{token}`).

A token is `<payload>.<key id>.<signature>`, each part base64url without padding; the
payload is compact JSON `{"d": delivery_id, "u": target url, "e": expiry (unix s)}`; the
signature is HMAC-SHA256 over `<payload>.<key id>` with the key named by the id. Keys
rotate by adding a new id: the first key signs, every listed key verifies. A token that
does not verify, names an unknown key or has expired is refused (tracker answers 404).
An e-mail's open pixel is a token signed for PIXEL_URL: tracker counts it as an open at
`/o/` and refuses it at `/r/` (and a link's token at `/o/`).
"""

import re
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring_ascii as _json_text

from herald.runtime.tokens import TokenSigner


@dataclass(frozen=True, slots=True)
class Link:
    """What a verified token was signed for."""

    delivery_id: str
    url: str
    expires_at: int


KID = re.compile(r"[A-Za-z0-9_-]{1,32}")
PIXEL_URL = "https://herald.invalid/open"
"""The url an open-pixel token is signed for: it marks the token as a pixel, never a link."""


def parse_keys(spec: str) -> dict[str, bytes]:
    """`kid1:secret1,kid2:secret2` -> {kid: secret}, in order (the first one signs).

    A key id is letters, digits, `_` and `-` (at most 32): it travels inside every token
    between `.` separators, so a `.` in it would make every link it signs unreadable."""
    keys: dict[str, bytes] = {}
    for part in spec.split(","):
        kid, sep, secret = part.strip().partition(":")
        if not sep or not kid or not secret:
            raise ValueError("tracking keys are written kid:secret[,kid:secret...]")
        if not KID.fullmatch(kid):
            raise ValueError(f"tracking key id {kid[:40]!r} is not [A-Za-z0-9_-]{{1,32}}")
        if kid in keys:
            raise ValueError(f"tracking key id {kid!r} is named twice")
        keys[kid] = secret.encode()
    return keys


class LinkSigner:
    def __init__(self, keys: dict[str, bytes]) -> None:
        self._tokens = TokenSigner(keys, what="tracking")

    def sign(self, delivery_id: str, url: str, expires_at: datetime) -> str:
        # the JSON `TokenSigner.sign` would write for {"d", "u", "e"}, written directly:
        # the dispatcher signs every link of every message
        d, u = _json_text(delivery_id), _json_text(url)
        return self._tokens.sign_json(f'{{"d":{d},"u":{u},"e":{int(expires_at.timestamp())}}}')

    def verify(self, token: str, now: datetime) -> Link | None:
        payload = self._tokens.open(token)
        try:
            link = Link(str(payload["d"]), str(payload["u"]), int(payload["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        if link.expires_at < now.timestamp() or not link.url.startswith(("https://", "http://")):
            return None
        return link
