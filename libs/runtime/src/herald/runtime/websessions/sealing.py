"""The user's API key, kept for a session only sealed (AES-256-GCM).

The sealing key is HMAC-SHA256(service secret, session id): the row holds the sealed key
and the hash of the session id, the browser holds the id, the service holds the secret;
opening the seal takes all three. The row's id hash is bound in as associated data, so
a sealed key copied into another row does not open.
"""

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE = 12


def _sealing_key(secret: bytes, session_id: str) -> bytes:
    return hmac.new(secret, b"seal\0" + session_id.encode(), hashlib.sha256).digest()


def seal(secret: bytes, session_id: str, id_sha256: str, key: str) -> bytes:
    nonce = os.urandom(_NONCE)
    box = AESGCM(_sealing_key(secret, session_id))
    return nonce + box.encrypt(nonce, key.encode(), id_sha256.encode())


def unseal(secret: bytes, session_id: str, id_sha256: str, sealed: bytes) -> str | None:
    """The key, or None if this seal was not made for this session under this secret."""
    box = AESGCM(_sealing_key(secret, session_id))
    try:
        return box.decrypt(sealed[:_NONCE], sealed[_NONCE:], id_sha256.encode()).decode()
    except (InvalidTag, ValueError):
        return None
