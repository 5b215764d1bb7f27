"""API keys: each belongs to one tenant and one role; only their SHA-256 is ever stored.

The key file (`API_KEYS_FILE`) is JSON: `{"keys": [{"id", "sha256", "tenant", "role",
"user", "department", "revoked"}]}`. A key's `user` and `department` are who its holder
is: the requester of what it submits, the reviewer of what it decides. A key without a
department cannot submit. The file is re-read when it changes, so revoking a key takes
effect without a restart: when its modification time, size or inode changed, and also
while its modification time is not safely older than our last read (a rewrite within
the same tick of the file system's clock changes none of the three); then the content
decides. Each entry is checked on its own (keyfile.py): an invalid one is logged and
admits nobody, and a file that cannot be read at all keeps the last good set, logged.
"""

import hashlib
import os
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from herald.contracts import ReasonCode
from herald.runtime.keyfile import KeyFileError, parse_key_file
from herald.runtime.problems import Problem

log = structlog.get_logger(__name__)
RACY_NS = 2_000_000_000
"""A file modified this close to our last read may have changed since without a new stat."""


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
        self._read_at_ns = 0
        self._digest = b""
        self._by_hash: dict[str, Principal] = {}

    def _reload(self) -> None:
        if self._path is None:
            return
        try:
            st = os.stat(self._path)
        except FileNotFoundError:
            self._by_hash, self._seen, self._digest = {}, None, b""
            return
        seen = (st.st_mtime_ns, st.st_size, st.st_ino)
        if seen == self._seen and st.st_mtime_ns < self._read_at_ns - RACY_NS:
            return
        self._read_at_ns = time.time_ns()
        raw = self._path.read_bytes()
        self._seen = seen
        digest = hashlib.sha256(raw).digest()
        if digest == self._digest:
            return
        self._digest = digest
        try:
            entries, problems = parse_key_file(raw, {str(r) for r in Role})
        except KeyFileError as exc:
            unreadable = str(exc)
        else:
            unreadable = ""
        if unreadable:
            log.error("api_keys_file_invalid", path=str(self._path), problem=unreadable,
                      kept_keys=len(self._by_hash))  # fmt: skip
            return
        for problem in problems:
            log.error("api_keys_entry_invalid", path=str(self._path), problem=problem)
        self._by_hash = {sha: _principal(entry) for sha, entry in entries.items()}

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

        # async: a plain `def` dependency is run in a worker thread, a hand-off to the
        # thread pool and back on every request; the lookup is a dict read and a stat()
        # of the key file (microseconds; the file is read only when it changed)
        async def dependency(
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
