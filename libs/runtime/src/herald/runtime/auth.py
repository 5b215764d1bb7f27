"""API keys: each belongs to one tenant and one role; only their SHA-256 is ever stored.

The key file (`API_KEYS_FILE`) is JSON: `{"keys": [{"id", "sha256", "tenant", "role",
"user", "department", "revoked"}]}`. A key's `user` and `department` are who its holder
is: the requester of what it submits, the reviewer of what it decides. A key without a
department cannot submit. The file is re-read when it changes (its modification time,
size or inode), so revoking a key takes effect without a restart.
"""

import hashlib
import json
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from herald.contracts import ReasonCode
from herald.runtime.problems import Problem


class Role(StrEnum):
    SUBMITTER = "submitter"
    REVIEWER = "reviewer"
    VIEWER = "viewer"
    REPORTER = "reporter"
    """Posts engagement (`POST /v1/engagement`) and nothing else."""
    DIRECTORY = "directory"
    """Imports, looks up and erases its tenant's recipients (the recipient API) and
    nothing else: the key an upstream CRM holds instead of an admin key."""
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    tenant: str
    role: Role
    user: str
    department: str | None = None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _principal(entry: dict[str, Any]) -> Principal:
    department = entry.get("department")
    return Principal(
        entry["id"],
        entry["tenant"],
        Role(entry["role"]),
        entry.get("user", entry["id"]),
        department if isinstance(department, str) and department.strip() else None,
    )


class ApiKeyStore:
    def __init__(self, path: str | None) -> None:
        self._path = Path(path) if path else None
        self._seen: tuple[int, int, int] | None = None
        self._by_hash: dict[str, Principal] = {}

    def _reload(self) -> None:
        if self._path is None:
            return
        try:
            st = os.stat(self._path)
        except FileNotFoundError:
            self._by_hash, self._seen = {}, None
            return
        # two writes within one tick of the file system's clock share an mtime: the size
        # or the inode (a file replaced by rename) still tells them apart
        seen = (st.st_mtime_ns, st.st_size, st.st_ino)
        if seen == self._seen:
            return
        data = json.loads(self._path.read_text(encoding="utf-8"))
        self._by_hash = {
            k["sha256"]: _principal(k) for k in data.get("keys", []) if not k.get("revoked", False)
        }
        self._seen = seen

    def lookup(self, key: str) -> Principal | None:
        self._reload()
        return self._by_hash.get(hash_key(key))

    def holder(self, sha256: str) -> Principal | None:
        """Who holds the key with this hash now (None: revoked or gone); web sessions,
        which keep the hash and never the key, check it again on every request."""
        self._reload()
        return self._by_hash.get(sha256)


_bearer = HTTPBearer(auto_error=False)


class Authenticator:
    """FastAPI dependencies that admit a caller whose key has one of the given roles."""

    def __init__(self, store: ApiKeyStore) -> None:
        self._store = store

    def principal(self, credentials: HTTPAuthorizationCredentials | None) -> Principal:
        if credentials is None or not credentials.credentials:
            raise Problem(
                401, ReasonCode.UNAUTHORIZED, "Unauthorized", "a bearer API key is required"
            )
        found = self._store.lookup(credentials.credentials)
        if found is None:
            raise Problem(
                401, ReasonCode.UNAUTHORIZED, "Unauthorized", "unknown or revoked API key"
            )
        return found

    def holder(self, sha256: str) -> Principal | None:
        return self._store.holder(sha256)

    def requires(self, *roles: Role) -> Any:
        allowed = {*roles, Role.ADMIN}

        def dependency(
            request: Request,
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        ) -> Principal:
            who = self.principal(credentials)
            if who.role not in allowed:
                raise Problem(
                    403,
                    ReasonCode.UNAUTHORIZED,
                    "Forbidden",
                    f"role {who.role} may not {request.method} {request.url.path}",
                )
            return who

        return Depends(dependency)


def same_tenant(who: Principal, tenant: str) -> None:
    """A key of one tenant never sees another's: answer as if it did not exist."""
    if who.tenant != tenant:
        raise Problem(404, ReasonCode.NOT_FOUND, "Not found")


def submits_for_own_tenant(who: Principal, tenant: str) -> None:
    """A key may only submit (or dry-run) requests of its own tenant."""
    if who.tenant != tenant:
        raise Problem(
            403,
            ReasonCode.UNAUTHORIZED,
            "Forbidden",
            f"this key belongs to tenant {who.tenant}, not {tenant}",
        )
