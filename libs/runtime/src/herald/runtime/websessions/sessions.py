"""Web sessions: log in with an API key, find the session of each request, log out.

See the package's docstring for the design; `WebSessions` is the one object a page's
routes hold.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from fastapi import Request, Response

from herald.runtime.auth import Authenticator, Principal, Role, hash_key
from herald.runtime.clock import Clock
from herald.runtime.websessions.forms import Form, read_form
from herald.runtime.websessions.records import SessionRow, SessionStore
from herald.runtime.websessions.sealing import seal, unseal

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SessionPolicy:
    """What one kind of page asks of its sessions. The cookie is `herald_<realm>`, sent
    only under `/<realm>`."""

    realm: str
    roles: frozenset[Role]
    idle: timedelta = timedelta(minutes=30)
    lifetime: timedelta = timedelta(hours=8)
    secure_cookie: bool = True
    keep_key: bool = False
    """Keep the user's key (sealed) to call other services on their behalf."""
    max_form_bytes: int = 16 * 1024

    @property
    def cookie(self) -> str:
        return f"herald_{self.realm}"

    @property
    def path(self) -> str:
        return f"/{self.realm}"


@dataclass(frozen=True)
class WebSession:
    principal: Principal
    csrf: str
    key: str | None = None
    """The user's API key, when the policy keeps it (and its seal opened)."""

    @property
    def authorization(self) -> str:
        return f"Bearer {self.key}" if self.key else ""


class LoginRefused(Exception):  # noqa: N818 - an answer, not a fault
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class WebSessions:
    def __init__(
        self,
        store: SessionStore,
        auth: Authenticator,
        secret: str,
        policy: SessionPolicy,
        clock: Clock,
    ) -> None:
        self._store, self._auth, self._policy, self._clock = store, auth, policy, clock
        self._secret = secret.encode()

    @property
    def policy(self) -> SessionPolicy:
        return self._policy

    async def log_in(self, key: str, response: Response) -> Principal:
        """Open a session for this key (a new id every time) and set its cookie on
        `response`; raises LoginRefused (401 unknown or revoked, 403 role not allowed)."""
        who = self._auth.holder(hash_key(key)) if key else None
        if who is None:
            log.info("web_login_refused", realm=self._policy.realm, why="unknown_key")
            raise LoginRefused(401, "Unknown or revoked API key.")
        if who.role not in self._policy.roles:
            log.info("web_login_refused", realm=self._policy.realm, why="role", key_id=who.key_id)
            allowed = " or ".join(sorted(self._policy.roles))
            raise LoginRefused(403, f"A {who.role} key may not log in here: use a {allowed} key.")
        session_id = secrets.token_urlsafe(32)
        id_sha256, now = _sha256(session_id), self._clock()
        sealed = seal(self._secret, session_id, id_sha256, key) if self._policy.keep_key else None
        row = SessionRow(id_sha256, self._policy.realm, who, hash_key(key), now, now, sealed)
        await self._store.insert(row)
        log.info("web_session_opened", realm=self._policy.realm, key_id=who.key_id)
        # no max-age: the cookie goes when the browser closes, and the row decides anyway
        response.set_cookie(
            self._policy.cookie,
            session_id,
            path=self._policy.path,
            httponly=True,
            secure=self._policy.secure_cookie,
            samesite="strict",
        )
        return who

    async def current(self, request: Request) -> WebSession | None:
        """This request's session, if its row exists, neither clock has run out, and its
        key still names the same holder; a session that fails any of these is deleted."""
        session_id = request.cookies.get(self._policy.cookie, "")
        if not session_id:
            return None
        id_sha256, now = _sha256(session_id), self._clock()
        row = await self._store.get(id_sha256)
        if row is None or row.realm != self._policy.realm:
            return None
        key = None
        if self._policy.keep_key and row.sealed_key is not None:
            key = unseal(self._secret, session_id, id_sha256, row.sealed_key)
        ended = self._ended(row, now) or ("seal" if self._policy.keep_key and not key else None)
        if ended is not None:
            await self._store.delete(id_sha256)
            log.info("web_session_ended", realm=row.realm, key_id=row.holder.key_id, why=ended)
            return None
        await self._store.touch(id_sha256, now)
        return WebSession(row.holder, self._csrf(session_id), key)

    def _ended(self, row: SessionRow, now: datetime) -> str | None:
        if now - row.last_seen >= self._policy.idle:
            return "idle"
        if now - row.created_at >= self._policy.lifetime:
            return "lifetime"
        who = self._auth.holder(row.key_sha256)
        if who is None:
            return "key_revoked"
        if who != row.holder:
            return "key_changed"  # downgraded, moved, renamed: log in again
        return None

    async def log_out(self, request: Request, response: Response) -> None:
        session_id = request.cookies.get(self._policy.cookie, "")
        if session_id:
            await self._store.delete(_sha256(session_id))
        response.delete_cookie(
            self._policy.cookie, path=self._policy.path, httponly=True,
            secure=self._policy.secure_cookie, samesite="strict",
        )  # fmt: skip

    async def form(self, request: Request, session: WebSession | None) -> Form | None:
        """The posted form if it is one, same-site, within the size cap and, with a
        session, carrying that session's CSRF token."""
        found = await read_form(request, self._policy.max_form_bytes)
        if found is None:
            return None
        if session is not None and not hmac.compare_digest(
            found.get("csrf").encode(), session.csrf.encode()
        ):
            return None
        return found

    async def purge(self) -> int:
        """Delete rows either clock has ended (a background loop calls this)."""
        now = self._clock()
        return await self._store.purge(now - self._policy.idle, now - self._policy.lifetime)

    def _csrf(self, session_id: str) -> str:
        mac = hmac.new(self._secret, b"csrf\0" + session_id.encode(), hashlib.sha256)
        return mac.hexdigest()
