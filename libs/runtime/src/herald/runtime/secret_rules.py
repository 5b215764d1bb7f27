"""Secrets strong enough to sign with, checked when settings are read (issue 16).

A short HMAC secret can be guessed offline from anything it signed (a tracking link, a
receipt address, a webhook, a CSRF token), so every signing secret needs at least
`MIN_SECRET_CHARS` characters, as the record keys do; messages name the setting and the
key id, never the secret.
"""

from pydantic import SecretStr

from herald.runtime.links import parse_keys
from herald.runtime.record_keys import MIN_SECRET_CHARS


def long_secret(setting: str, value: SecretStr | None) -> SecretStr | None:
    """`value` if unset or at least MIN_SECRET_CHARS long; else ValueError."""
    if value is not None and len(value.get_secret_value()) < MIN_SECRET_CHARS:
        raise ValueError(f"{setting} must be at least {MIN_SECRET_CHARS} characters")
    return value


def strong_tracking_keys(value: SecretStr) -> SecretStr:
    """TRACKING_KEYS that parse (key ids included) and whose every secret is long."""
    for kid, secret in parse_keys(value.get_secret_value()).items():
        if len(secret) < MIN_SECRET_CHARS:
            raise ValueError(
                f"TRACKING_KEYS key '{kid}' is {len(secret)} characters; "
                f"at least {MIN_SECRET_CHARS} are required"
            )
    return value
