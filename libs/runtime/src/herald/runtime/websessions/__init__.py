"""Browser sessions for Herald's server-rendered pages (the review console, the portal).

One mechanism for every such page:
- **Server-side.** A session is a row (`SessionStore`; Postgres: `PgSessionStore`, in a
  table each using service creates with `table_ddl`). The browser holds only an opaque,
  random id in an HttpOnly, SameSite=Strict cookie (Secure unless switched off for plain
  http in development); the row is found by the id's SHA-256, so the table alone lets
  nobody in.
- **The key, checked on every request.** The row keeps the API key's id and hash, never
  the key. Every request looks the hash up in the key file again: a key revoked, or
  changed in any way (role, tenant, user, department), ends its sessions at once.
- **Two clocks.** A session ends after `idle` without a request (default 30 min) and
  after `lifetime` in any case (default 8 h). Logging out deletes the row.
- **CSRF.** Each form carries a token derived from the session id (HMAC under the
  service's session secret), compared in constant time; forms are also refused when the
  browser says they came from another site.
- **Calling on the user's behalf.** A page that must call another service with the
  user's own key (the portal) opens sessions with `keep_key`: the key is then kept
  sealed (AES-GCM) under a key derived from the session id and the service's secret, so
  neither the table nor the cookie alone, nor both without the secret, yield it.
"""

from herald.runtime.websessions.forms import Form, cross_site, read_form
from herald.runtime.websessions.records import SessionRow, SessionStore, table_ddl
from herald.runtime.websessions.sessions import (
    LoginRefused,
    SessionPolicy,
    WebSession,
    WebSessions,
)

__all__ = [
    "Form",
    "LoginRefused",
    "SessionPolicy",
    "SessionRow",
    "SessionStore",
    "WebSession",
    "WebSessions",
    "cross_site",
    "read_form",
    "table_ddl",
]
