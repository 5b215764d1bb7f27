"""How a record on a Herald topic is signed: the contract's part of record provenance.

Headers `x-herald-producer: <id>` and `x-herald-signature: v1=<base64url HMAC-SHA256>`;
the HMAC, keyed with the producer's secret, covers
`herald-record-v1 NUL <topic> NUL <key> NUL <value>` (the topic without a deployment
prefix, an absent key or value as nothing). docs/contract.md shows it with the standard
library alone; Herald's services verify it (herald.runtime.provenance).
"""

import base64
import hashlib
import hmac

PRODUCER_HEADER = "x-herald-producer"
SIGNATURE_HEADER = "x-herald-signature"
SIGNATURE_VERSION = "v1="
_DOMAIN = b"herald-record-v1"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def secret_from_text(text: str) -> bytes:
    """A producer secret as handed out (base64url, no padding) -> its bytes."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def record_mac(secret: bytes, topic: str, key: bytes | None, value: bytes | None) -> str:
    message = b"\x00".join((_DOMAIN, topic.encode(), key or b"", value or b""))
    return b64url(hmac.digest(secret, message, hashlib.sha256))


def signature_headers(
    producer_id: str, secret: bytes, topic: str, key: bytes | None, value: bytes | None
) -> list[tuple[str, bytes]]:
    """The two headers that sign one record for `producer_id`."""
    signature = SIGNATURE_VERSION + record_mac(secret, topic, key, value)
    return [(PRODUCER_HEADER, producer_id.encode()), (SIGNATURE_HEADER, signature.encode())]
