"""Signed, expiring flash messages ("mkt-1 approved.") for the page after a redirect.
Pure: no I/O.

A token is `base64url(json) "." base64url(hmac_sha256(secret, purpose, json))` with an
`exp` in seconds. Sessions are not signed tokens: they live server-side
(herald.runtime.websessions).
"""

import base64
import hashlib
import hmac
import json
from datetime import datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs and verifies small JSON payloads with one secret, each purpose kept apart."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def _mac(self, purpose: str, data: bytes) -> bytes:
        return hmac.new(self._secret, purpose.encode() + b"\0" + data, hashlib.sha256).digest()

    def sign(self, purpose: str, payload: dict[str, object]) -> str:
        data = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64(data)}.{_b64(self._mac(purpose, data))}"

    def verify(self, purpose: str, token: str, now: datetime) -> dict[str, object] | None:
        """The payload if the token is intact and not expired (`exp`, seconds); else None."""
        body, _, mac = token.partition(".")
        try:
            data, given = _unb64(body), _unb64(mac)
            if not hmac.compare_digest(given, self._mac(purpose, data)):
                return None
            payload = json.loads(data)
        except (ValueError, TypeError):
            return None
        if not isinstance(payload, dict):
            return None
        exp = payload.get("exp")
        if not isinstance(exp, int) or exp <= now.timestamp():
            return None
        return payload
