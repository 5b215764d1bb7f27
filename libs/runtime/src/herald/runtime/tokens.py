"""Keyed, rotatable tokens: `<payload>.<key id>.<signature>`, each part base64url without
padding. The payload is compact JSON; the signature is HMAC-SHA256 over
`<domain><payload>.<key id>` with the key the id names. The first key signs, every key
verifies, so keys rotate by adding one. A domain separates purposes that might share a
key (tracking links sign with none, opt-out links with `herald-optout-v1.`).

What a token means is its user's (herald.runtime.links, the dispatcher's opt-out
tokens): this module only makes and opens the envelope.
"""

import base64
import hashlib
import hmac
import json
from typing import Any


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    def __init__(self, keys: dict[str, bytes], domain: bytes = b"", what: str = "signing") -> None:
        if not keys:
            raise ValueError(f"at least one {what} key is needed")
        self._keys, self._active, self._domain = keys, next(iter(keys)), domain
        # each key's HMAC set up once and copied per token: `hmac.digest` sets the key up
        # on every call (2.6 against 1.8 µs a signature; a tracked link is signed per send)
        self._prepared = {kid: hmac.new(k, domain, hashlib.sha256) for kid, k in keys.items()}

    def _mac(self, kid: str, body: str) -> str:
        mac = self._prepared[kid].copy()
        mac.update(f"{body}.{kid}".encode())
        return b64(mac.digest())

    def sign(self, payload: dict[str, Any], ascii_only: bool = True) -> str:
        return self.sign_json(json.dumps(payload, separators=(",", ":"), ensure_ascii=ascii_only))

    def sign_json(self, text: str) -> str:
        """`sign` for a payload its caller wrote as compact JSON itself."""
        body = b64(text.encode())
        return f"{body}.{self._active}.{self._mac(self._active, body)}"

    def open(self, token: str) -> Any:  # the JSON payload, or None
        """The payload of a token one of the keys signed, else None (compared in constant
        time, as bytes: a signature of any characters is just wrong)."""
        parts = token.split(".")
        if len(parts) != 3 or parts[1] not in self._keys:
            return None
        body, kid, mac = parts
        if not hmac.compare_digest(self._mac(kid, body).encode(), mac.encode()):
            return None
        try:
            return json.loads(unb64(body))
        except ValueError:
            return None
