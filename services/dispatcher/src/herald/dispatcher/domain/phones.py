"""A phone number as the consent view keeps it: a keyed hash, never the number.

The profile's number and an SMS reply's sender are both brought to E.164 (callbacks.e164:
a bare mainland number gets +86) and hashed with HMAC-SHA256 under a key of this purpose
only, so the table cannot be reversed by hashing every number there is. Pure.
"""

import hashlib
import hmac

from herald.dispatcher.domain.sms_callbacks import e164


def phone_key_of(secret: bytes) -> "PhoneKey":
    return PhoneKey(hmac.new(secret, b"consent-phone", hashlib.sha256).digest())


class PhoneKey:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, tenant: str, phone: str | None) -> str | None:
        if not phone or not any(c.isdigit() for c in phone):
            return None
        text = f"{tenant}\x00{e164(phone)}".encode()
        return hmac.new(self._key, text, hashlib.sha256).hexdigest()
