"""Signed, expiring console sessions and the CSRF tokens tied to them. Pure: no I/O.

A session token is `base64url(json) "." base64url(hmac_sha256(secret, json))`; it names
the key's id, tenant, role, user and department, never the key itself (four eyes compares
the key id and the user with the request's submitter). The CSRF token is an HMAC of
the session's random nonce, so it changes with every login and is useless without the
session cookie (which is HttpOnly and SameSite=Strict).
"""

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime

from herald.runtime.auth import Principal, Role


@dataclass(frozen=True, slots=True)
class Session:
    principal: Principal
    expires: int
    nonce: str


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

    def open_session(self, who: Principal, now: datetime, ttl_s: float) -> str:
        payload: dict[str, object] = {
            "k": who.key_id,
            "t": who.tenant,
            "r": str(who.role),
            "u": who.user,
            "d": who.department,
            "n": secrets.token_urlsafe(16),
            "exp": int(now.timestamp() + ttl_s),
        }
        return self.sign("session", payload)

    def session(self, token: str | None, now: datetime) -> Session | None:
        payload = self.verify("session", token, now) if token else None
        if payload is None:
            return None
        try:
            department = payload.get("d")
            who = Principal(
                str(payload["k"]),
                str(payload["t"]),
                Role(str(payload["r"])),
                str(payload["u"]),
                department if isinstance(department, str) else None,
            )
        except (KeyError, ValueError):
            return None
        return Session(who, int(str(payload["exp"])), str(payload["n"]))

    def csrf(self, session: Session) -> str:
        return _b64(self._mac("csrf", session.nonce.encode()))

    def csrf_ok(self, session: Session, given: str) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.csrf(session).encode())
