"""API keys for tests: every role of two tenants, written as the services read them.

Each key is a person (user and department, as the key file says): the acme and globex
submitters are `li.wei` of `marketing`, the name the tests' request bodies give. A few
more people serve the identity tests: another department's submitter, and a reviewer
key of the submitter's own user.
"""

import json
import os
from pathlib import Path

from herald.runtime.auth import Role, hash_key

TENANTS = ("acme", "globex")
PEOPLE: dict[str, tuple[str, str | None]] = {
    "submitter": ("li.wei", "marketing"),
    "reviewer": ("zhang.san", "compliance"),
    "viewer": ("wang.wu", "marketing"),
    "reporter": ("app-backend", None),
    "directory": ("crm-sync", None),
    "admin": ("boss", "operations"),
}
EXTRA: dict[str, tuple[Role, str, str | None]] = {
    "ops-submitter": (Role.SUBMITTER, "zhao.liu", "ops"),
    "self-reviewer": (Role.REVIEWER, "li.wei", "marketing"),
    "no-department-submitter": (Role.SUBMITTER, "nobody", None),
}


def key_entry(
    key_id: str, key: str, tenant: str, role: str, user: str, department: str | None
) -> dict[str, object]:
    entry: dict[str, object] = {
        "id": key_id,
        "sha256": hash_key(key),
        "tenant": tenant,
        "role": role,
        "user": user,
    }
    if department is not None:
        entry["department"] = department
    return entry


def write_keys(path: Path) -> dict[tuple[str, str], str]:
    """(tenant, role or EXTRA name) -> plaintext key; the file holds only hashes."""
    people = {str(r): (r, *PEOPLE[str(r)]) for r in Role} | EXTRA
    keys = {(t, name): f"key-{t}-{name}" for t in TENANTS for name in people}
    records = [
        key_entry(f"{t}-{name}", k, t, str(people[name][0]), *people[name][1:])
        for (t, name), k in keys.items()
    ]
    path.write_text(json.dumps({"keys": records}))
    return keys


def add_key(
    path: Path, key_id: str, key: str, tenant: str, role: str, user: str, department: str | None
) -> str:
    """Add (or replace) one key in a key file the services are reading. The file is
    replaced, not edited, so that they see the change even within one tick of the clock."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data["keys"] = [k for k in data["keys"] if k["id"] != key_id]
    data["keys"].append(key_entry(key_id, key, tenant, role, user, department))
    staged = path.with_suffix(".tmp")
    staged.write_text(json.dumps(data), encoding="utf-8")
    os.replace(staged, path)
    return key


def bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}
