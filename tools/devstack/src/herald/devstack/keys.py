"""Development API keys (one per role), a producer credential, and secrets for a local
deployment.

Each key is a person of the demo tenant, with a user and a department (the submitter is
`li.wei` of `marketing`, the requester `docs/examples/push-request.json` names); the
reporter key (engagement only) has no department, as it never submits.
"""

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from herald.runtime.auth import Role, hash_key
from herald.runtime.provenance import UPSTREAM_TOPICS, derive_secret, secret_text
from herald.runtime.record_keys import parse_record_keys

ROLES = tuple(str(r) for r in Role)
PEOPLE: dict[str, tuple[str, str | None]] = {
    "submitter": ("li.wei", "marketing"),
    "reviewer": ("zhang.san", "compliance"),
    "viewer": ("wang.wu", "marketing"),
    "reporter": ("app-backend", None),
    "directory": ("crm-sync", None),
    "admin": ("admin", "operations"),
}
PRODUCER_VARS = ("HERALD_PRODUCER_ID", "HERALD_PRODUCER_SECRET")


def ensure_dev_keys(folder: Path, tenant: str) -> dict[str, str]:
    """Create (once) one key per role for `tenant`; return role -> plaintext key.

    `dev-keys.env` holds the plaintext keys for the developer (mode 600);
    `api-keys.json` holds only their hashes, for the services, and is written again on
    every run (so that it always says who each key is). A role added since the first run
    gets its key; the others stay as they were.
    """
    folder.mkdir(parents=True, exist_ok=True)
    plain = folder / "dev-keys.env"
    found: dict[str, str] = {}
    if plain.exists():
        lines = plain.read_text().splitlines()
        keys = dict(line.split("=", 1) for line in lines if "=" in line)
        found = {r: keys[_var(r)] for r in ROLES if _var(r) in keys}
    if len(found) < len(ROLES):
        found |= {
            r: f"hk_{tenant}_{r}_{secrets.token_urlsafe(24)}" for r in ROLES if r not in found
        }
        plain.write_text("".join(f"{_var(r)}={found[r]}\n" for r in ROLES))
        os.chmod(plain, 0o600)
    write_key_file(folder / "api-keys.json", tenant, found)
    return found


def _var(role: str) -> str:
    return f"HERALD_{role.upper()}_KEY"


def write_key_file(path: Path, tenant: str, keys: dict[str, str]) -> None:
    records = []
    for role, key in keys.items():
        user, department = PEOPLE.get(role, (f"dev-{role}", None))
        record: dict[str, object] = {
            "id": f"{tenant}-{role}",
            "sha256": hash_key(key),
            "tenant": tenant,
            "role": role,
            "user": user,
        }
        if department is not None:
            record["department"] = department
        records.append(record | {"revoked": False})
    path.write_text(json.dumps({"keys": records}, indent=2))


def ensure_secret(folder: Path, name: str) -> str:
    path = folder / f"{name}.secret"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        os.chmod(path, 0o600)
    return path.read_text().strip()


@dataclass(frozen=True, slots=True)
class ProducerCredential:
    """An upstream producer's credential (herald.runtime.producers), as handed out."""

    id: str
    secret: str


def ensure_record_keys(folder: Path) -> str:
    """RECORD_KEYS for every service of the local deployment (kept across runs, so the
    producer credential written beside it stays valid)."""
    return f"dev1:{ensure_secret(folder, 'record')}"


def ensure_dev_producer(folder: Path, tenant: str, record_keys: str) -> ProducerCredential:
    """A producer credential for `tenant` on the three upstream topics, submitting as the
    README example's requester: its entry in `producers.json` (no secret there) and
    `HERALD_PRODUCER_ID`/`HERALD_PRODUCER_SECRET` in `dev-keys.env` (mode 600)."""
    producer_id = f"dev-{tenant}"
    entry = {
        "id": producer_id,
        "tenant": tenant,
        "user": "li.wei",
        "department": "marketing",
        "topics": sorted(UPSTREAM_TOPICS),
        "revoked": False,
    }
    (folder / "producers.json").write_text(json.dumps({"producers": [entry]}, indent=2))
    key = next(iter(parse_record_keys(record_keys).values()))
    credential = ProducerCredential(producer_id, secret_text(derive_secret(key, producer_id)))
    plain = folder / "dev-keys.env"
    kept = [
        line
        for line in (plain.read_text().splitlines() if plain.exists() else [])
        if line.split("=", 1)[0] not in PRODUCER_VARS
    ]
    values = dict(zip(PRODUCER_VARS, (credential.id, credential.secret), strict=True))
    plain.write_text("".join(f"{line}\n" for line in kept) + _env_lines(values))
    os.chmod(plain, 0o600)
    return credential


def _env_lines(values: dict[str, str]) -> str:
    return "".join(f"{k}={v}\n" for k, v in values.items())
