"""Development API keys (one per role) and secrets for a local deployment."""

import json
import os
import secrets
from pathlib import Path

from herald.runtime.auth import Role, hash_key

ROLES = tuple(str(r) for r in Role)


def ensure_dev_keys(folder: Path, tenant: str) -> dict[str, str]:
    """Create (once) one key per role for `tenant`; return role -> plaintext key.

    `dev-keys.env` holds the plaintext keys for the developer (mode 600);
    `api-keys.json` holds only their hashes, for the services.
    """
    folder.mkdir(parents=True, exist_ok=True)
    plain = folder / "dev-keys.env"
    if plain.exists():
        keys = dict(line.split("=", 1) for line in plain.read_text().splitlines() if "=" in line)
        found = {
            r: keys[f"HERALD_{r.upper()}_KEY"] for r in ROLES if f"HERALD_{r.upper()}_KEY" in keys
        }
        if len(found) == len(ROLES):
            return found
    found = {str(r): f"hk_{tenant}_{r}_{secrets.token_urlsafe(24)}" for r in ROLES}
    plain.write_text("".join(f"HERALD_{r.upper()}_KEY={k}\n" for r, k in found.items()))
    os.chmod(plain, 0o600)
    write_key_file(folder / "api-keys.json", tenant, found)
    return found


def write_key_file(path: Path, tenant: str, keys: dict[str, str]) -> None:
    records = [
        {
            "id": f"{tenant}-{role}",
            "sha256": hash_key(key),
            "tenant": tenant,
            "role": role,
            "user": f"dev-{role}",
            "revoked": False,
        }
        for role, key in keys.items()
    ]
    path.write_text(json.dumps({"keys": records}, indent=2))


def ensure_secret(folder: Path, name: str) -> str:
    path = folder / f"{name}.secret"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        os.chmod(path, 0o600)
    return path.read_text().strip()
