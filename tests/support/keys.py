"""API keys for tests: every role of two tenants, written as the services read them."""

import json
from pathlib import Path

from herald.runtime.auth import Role, hash_key

TENANTS = ("acme", "globex")


def write_keys(path: Path) -> dict[tuple[str, str], str]:
    """(tenant, role) -> plaintext key; the file holds only hashes."""
    keys = {(t, str(r)): f"key-{t}-{r}" for t in TENANTS for r in Role}
    records = [
        {"id": f"{t}-{r}", "sha256": hash_key(k), "tenant": t, "role": r, "user": f"{t}-{r}-user"}
        for (t, r), k in keys.items()
    ]
    path.write_text(json.dumps({"keys": records}))
    return keys


def bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}
