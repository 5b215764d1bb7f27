"""Signing secrets too short to resist an offline guess stop a service at start (issue 16);
the message names the setting, never the secret."""

import pytest
from pydantic import ValidationError

from herald.devstack.apps import placeholder_settings
from herald.devstack.services import BY_NAME

SHORT = "sign-me"
LONG = "x" * 32


@pytest.mark.parametrize(
    ("service", "setting", "value"),
    [
        ("dispatcher", "signing_secret", SHORT),
        ("dispatcher", "tracking_keys", f"k1:{SHORT}"),
        ("dispatcher", "tracking_keys", f"k2:{LONG},k1:{SHORT}"),
        ("tracker", "tracking_keys", f"k1:{SHORT}"),
        ("review", "console_session_secret", SHORT),
        ("intake", "portal_session_secret", SHORT),
    ],
)
def test_a_short_signing_secret_stops_the_service(service: str, setting: str, value: str) -> None:
    with pytest.raises(ValidationError) as refused:
        placeholder_settings(BY_NAME[service], **{setting: value})
    assert "at least 32 are required" in str(refused.value) or "at least 32 characters" in str(
        refused.value
    )
    assert SHORT not in str(refused.value)


@pytest.mark.parametrize(
    ("service", "setting", "value"),
    [
        ("dispatcher", "signing_secret", LONG),
        ("tracker", "tracking_keys", f"k2:{LONG},k1:{LONG}"),
        ("review", "console_session_secret", None),  # unset: the console is off
        ("intake", "portal_session_secret", LONG),
    ],
)
def test_long_or_unset_secrets_are_taken(service: str, setting: str, value: str | None) -> None:
    assert placeholder_settings(BY_NAME[service], **{setting: value}) is not None
