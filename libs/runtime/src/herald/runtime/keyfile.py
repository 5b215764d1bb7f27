"""Reading the API key file: every entry checked on its own, nothing trusted blindly.

One malformed entry must not take every request down, and a file caught half-written
must not revoke everyone: `parse_key_file` returns the valid entries (revoked ones
left out) and a sentence for each invalid one (which the store logs and skips: an invalid entry
admits nobody), and raises `KeyFileError` only when the file as a whole is unreadable, so
the store keeps the last good set.
"""

import json
import re
from collections.abc import Collection
from typing import Any

SHA256 = re.compile(r"[0-9a-f]{64}")
KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}")


class KeyFileError(Exception):
    """The key file as a whole cannot be read (not JSON, or not `{"keys": [...]}`)."""


def parse_key_file(
    raw: bytes, roles: Collection[str]
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """{sha256: entry} of the usable entries, and what was wrong with the others."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise KeyFileError(f"not JSON ({exc.msg} at line {exc.lineno})") from None
    except ValueError:
        raise KeyFileError("not JSON text") from None
    entries = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise KeyFileError('not {"keys": [...]}')
    found: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    problems: list[str] = []
    for n, entry in enumerate(entries, start=1):
        why = _problem(entry, roles)
        if why is None and entry["sha256"] in seen:
            why = "the same key hash as an earlier entry"
        if why is not None:
            name = entry.get("id") if isinstance(entry, dict) else None
            problems.append(f"entry {n}{f' ({name!r})' if isinstance(name, str) else ''}: {why}")
            continue
        seen.add(entry["sha256"])
        if not entry.get("revoked", False):
            found[entry["sha256"]] = entry
    return found, problems


def _problem(entry: object, roles: Collection[str]) -> str | None:
    if not isinstance(entry, dict):
        return "not an object"
    checks = (
        (isinstance(entry.get("id"), str) and KEY_ID.fullmatch(entry["id"]), "id"),
        (isinstance(entry.get("sha256"), str) and SHA256.fullmatch(entry["sha256"]), "sha256"),
        (isinstance(entry.get("tenant"), str) and entry["tenant"].strip(), "tenant"),
        (entry.get("role") in roles, "role"),
        (isinstance(entry.get("user", ""), str), "user"),
        (entry.get("department") is None or isinstance(entry["department"], str), "department"),
        (isinstance(entry.get("revoked", False), bool), "revoked"),
    )
    bad = [name for ok, name in checks if not ok]
    return f"invalid {', '.join(bad)}" if bad else None
