"""The `label` query parameter of the reports: `key:value`, or `key` for any value.

Keys are the contract's label keys (no `:`), so the first `:` splits key from value.
"""

from typing import Annotated

from fastapi import Query

from herald.contracts import ReasonCode
from herald.contracts.push_request import LABEL_VALUE_MAX
from herald.runtime.problems import Problem

LabelParam = Annotated[
    str | None,
    Query(
        max_length=64 + 1 + LABEL_VALUE_MAX,
        description="only requests carrying this label: `key:value`, or `key` for any value",
    ),
]


def parse_label(text: str) -> tuple[str, str | None]:
    key, sep, value = text.partition(":")
    if not valid_key(key):
        raise Problem(
            422, ReasonCode.INVALID_REQUEST, "Invalid label", "a label is key:value or key"
        )
    return key, value if sep else None


def valid_key(key: str) -> bool:
    """A label key as the contract allows one: 1-64 of A-Z a-z 0-9 _ . -"""
    return 0 < len(key) <= 64 and all(c.isascii() and (c.isalnum() or c in "_.-") for c in key)
