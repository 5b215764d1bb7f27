"""Delivery ids: stable across re-planning, keyed so that nobody outside can compute one."""

import hashlib
import re

import pytest
from pydantic import ValidationError

from herald.scheduler.domain import delivery_id
from herald.scheduler.settings import SchedulerSettings

KEY = b"k" * 32


def test_the_same_send_gets_the_same_id_in_the_format_of_before() -> None:
    first = delivery_id(KEY, "acme", "r-1", "u-1")
    assert first == delivery_id(KEY, "acme", "r-1", "u-1")
    assert re.fullmatch(r"d-[0-9a-f]{24}", first)
    assert first != delivery_id(KEY, "acme", "r-1", "u-2")
    assert first != delivery_id(KEY, "globex", "r-1", "u-1")


def test_without_the_key_the_id_cannot_be_computed() -> None:
    guessed = "d-" + hashlib.blake2b(b"acme\x00r-1\x00u-1", digest_size=12).hexdigest()
    assert delivery_id(KEY, "acme", "r-1", "u-1") != guessed  # the old unkeyed hash
    assert delivery_id(KEY, "acme", "r-1", "u-1") != delivery_id(b"x" * 32, "acme", "r-1", "u-1")


def test_the_key_is_required_and_long() -> None:
    base = {"database_url": "postgresql://unused", "tenants": "acme"}
    with pytest.raises(ValidationError, match="delivery_id_key"):
        SchedulerSettings(**base)
    with pytest.raises(ValidationError, match="at least 32"):
        SchedulerSettings(**base, delivery_id_key="short")
    assert SchedulerSettings(**base, delivery_id_key="k" * 32).delivery_id_key
