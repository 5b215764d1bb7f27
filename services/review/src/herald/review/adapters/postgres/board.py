"""The Postgres adapter of BoardRepository (parameterised SQL only)."""

from collections import defaultdict
from datetime import datetime
from typing import Any

from herald.contracts.internal import Standing
from herald.review.domain.board import Entry, Strike
from herald.runtime.db import Database

_SHOWN = ["warned", "restricted", "banned"]

# A requester's department is that of their latest reviewed request.
_SUBJECTS = """
SELECT t.subject_kind, t.subject, t.standing, t.at,
       CASE WHEN t.subject_kind = 'department' THEN t.subject ELSE (
           SELECT d.department FROM review.decisions d
           WHERE d.tenant = t.tenant AND d.requester = t.subject
           ORDER BY d.created_at DESC LIMIT 1) END AS department
FROM review.standing t
WHERE t.tenant = $1 AND t.standing = ANY($2::text[])
ORDER BY array_position($2::text[], t.standing) DESC, t.at DESC, t.subject
"""

_STRIKES = """
SELECT s.subject_kind, s.subject, s.request_id, s.reason, s.at, d.reasons,
       d.envelope -> 'request' -> 'content' AS content
FROM review.strikes s
JOIN review.standing t USING (tenant, subject_kind, subject)
LEFT JOIN review.decisions d ON d.tenant = s.tenant AND d.request_id = s.request_id
WHERE s.tenant = $1 AND s.at >= $2 AND t.standing = ANY($3::text[])
  AND (t.reset_at IS NULL OR s.at > t.reset_at)
ORDER BY s.at DESC
"""


def _excerpt(content: Any) -> str:
    if not isinstance(content, dict):
        return ""
    parts = [content.get("title"), content.get("body")]
    return " — ".join(p for p in parts if isinstance(p, str) and p)


def _strike(row: Any) -> Strike:
    codes = tuple(str(r.get("code")) for r in row["reasons"] or () if isinstance(r, dict))
    return Strike(row["request_id"], row["at"], row["reason"], codes, _excerpt(row["content"]))


class PgBoard:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def board(self, tenant: str, since: datetime) -> list[Entry]:
        subjects = await self._db.pool.fetch(_SUBJECTS, tenant, _SHOWN)
        rows = await self._db.pool.fetch(_STRIKES, tenant, since, _SHOWN)
        strikes: dict[tuple[str, str], list[Strike]] = defaultdict(list)
        for r in rows:
            strikes[(r["subject_kind"], r["subject"])].append(_strike(r))
        return [
            Entry(
                s["subject_kind"],
                s["subject"],
                s["department"],
                Standing(s["standing"]),
                s["at"],
                tuple(strikes[(s["subject_kind"], s["subject"])]),
            )
            for s in subjects
        ]
