"""The Postgres adapter of TemplateStore (parameterised SQL only)."""

from datetime import datetime
from typing import Any

from herald.contracts import Channel, Reason, StatusKind
from herald.contracts.push_request import Category
from herald.contracts.template_review import TemplateReviewed, TemplateTexts
from herald.intake.templates.domain import State, TemplateInfo, Version
from herald.runtime.db import Database

_FINAL = {
    StatusKind.APPROVED: State.APPROVED,
    StatusKind.REJECTED: State.REJECTED,
    StatusKind.EXPIRED: State.EXPIRED,
}
_VERSION = """SELECT tenant, name, version, texts, state, created_by, created_at, published_by,
                     published_at, decided_by, decided_at, reasons
              FROM intake.template_versions"""
_INFO = """SELECT t.*,
                  (SELECT max(version) FROM intake.template_versions v
                    WHERE v.tenant = t.tenant AND v.name = t.name) AS latest_version,
                  (SELECT max(version) FROM intake.template_versions v
                    WHERE v.tenant = t.tenant AND v.name = t.name AND v.state = 'approved')
                    AS published_version
           FROM intake.templates t"""


def _version(row: Any) -> Version:
    r = dict(row)
    return Version(
        r["tenant"], r["name"], r["version"], TemplateTexts.model_validate(r["texts"]),
        State(r["state"]), r["created_by"], r["created_at"], r["published_by"],
        r["published_at"], r["decided_by"], r["decided_at"],
        tuple(Reason.model_validate(x) for x in r["reasons"]),
    )  # fmt: skip


def _info(row: Any) -> TemplateInfo:
    r = dict(row)
    return TemplateInfo(
        r["tenant"], r["name"], r["department"], Category(r["category"]),
        tuple(Channel(c) for c in r["channels"]), r["description"], r["created_by"],
        r["created_at"], r["latest_version"] or 0, r["published_version"],
    )  # fmt: skip


def _texts(texts: TemplateTexts) -> dict[str, Any]:
    return texts.model_dump(mode="json", exclude_none=True)


class PgTemplateStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, info: TemplateInfo, texts: TemplateTexts) -> Version | None:
        async with self._db.pool.acquire() as conn, conn.transaction():
            made = await conn.fetchval(
                """INSERT INTO intake.templates (tenant, name, department, category, channels,
                       description, created_by, created_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                   ON CONFLICT (tenant, name) DO NOTHING RETURNING true""",
                info.tenant, info.name, info.department, str(info.category),
                [str(c) for c in info.channels], info.description, info.created_by,
                info.created_at,
            )  # fmt: skip
            if not made:
                return None
            row = await conn.fetchrow(
                """INSERT INTO intake.template_versions (tenant, name, version, texts, state,
                       created_by, created_at)
                   VALUES ($1, $2, 1, $3, 'draft', $4, $5) RETURNING *""",
                info.tenant, info.name, _texts(texts), info.created_by, info.created_at,
            )  # fmt: skip
            return _version(row)

    async def add_version(
        self, tenant: str, name: str, texts: TemplateTexts, by: str, at: datetime
    ) -> Version | None:
        async with self._db.pool.acquire() as conn, conn.transaction():
            # the template's row, locked: two edits at once get consecutive versions
            found = await conn.fetchval(
                "SELECT true FROM intake.templates WHERE tenant = $1 AND name = $2 FOR UPDATE",
                tenant, name,
            )  # fmt: skip
            if not found:
                return None
            row = await conn.fetchrow(
                """INSERT INTO intake.template_versions (tenant, name, version, texts, state,
                       created_by, created_at)
                   SELECT $1, $2, coalesce(max(version), 0) + 1, $3, 'draft', $4, $5
                   FROM intake.template_versions WHERE tenant = $1 AND name = $2
                   RETURNING *""",
                tenant, name, _texts(texts), by, at,
            )  # fmt: skip
            return _version(row)

    async def get(self, tenant: str, name: str) -> TemplateInfo | None:
        async with self._db.pool.acquire() as conn:
            row = await conn.fetchrow(f"{_INFO} WHERE t.tenant = $1 AND t.name = $2", tenant, name)
        return _info(row) if row else None

    async def listing(self, tenant: str) -> list[TemplateInfo]:
        async with self._db.pool.acquire() as conn:
            rows = await conn.fetch(f"{_INFO} WHERE t.tenant = $1 ORDER BY t.name", tenant)
        return [_info(r) for r in rows]

    async def versions(self, tenant: str, name: str) -> list[Version]:
        async with self._db.pool.acquire() as conn:
            rows = await conn.fetch(
                f"{_VERSION} WHERE tenant = $1 AND name = $2 ORDER BY version", tenant, name
            )
        return [_version(r) for r in rows]

    async def version(self, tenant: str, name: str, version: int | None) -> Version | None:
        async with self._db.pool.acquire() as conn:
            if version is None:
                row = await conn.fetchrow(
                    f"""{_VERSION} WHERE tenant = $1 AND name = $2 AND state = 'approved'
                        ORDER BY version DESC LIMIT 1""",
                    tenant, name,
                )  # fmt: skip
            else:
                row = await conn.fetchrow(
                    f"{_VERSION} WHERE tenant = $1 AND name = $2 AND version = $3",
                    tenant, name, version,
                )  # fmt: skip
        return _version(row) if row else None

    async def start_review(
        self, tenant: str, name: str, version: int, by: str, at: datetime
    ) -> Version | None:
        async with self._db.pool.acquire() as conn:
            row = await conn.fetchrow(
                """UPDATE intake.template_versions
                   SET state = 'in_review', published_by = $4, published_at = $5
                   WHERE tenant = $1 AND name = $2 AND version = $3 AND state = 'draft'
                   RETURNING *""",
                tenant, name, version, by, at,
            )  # fmt: skip
        if row is None:
            found = await self.version(tenant, name, version)
            return found if found is not None and found.state == State.IN_REVIEW else None
        return _version(row)

    async def apply_review(self, event: TemplateReviewed) -> None:
        state = _FINAL.get(event.state)
        reasons = [r.model_dump(mode="json") for r in event.reasons]
        async with self._db.pool.acquire() as conn:
            await conn.execute(
                """UPDATE intake.template_versions
                   SET state = coalesce($4, state), reasons = $5,
                       decided_by = CASE WHEN $4::text IS NULL THEN decided_by ELSE $6 END,
                       decided_at = CASE WHEN $4::text IS NULL THEN decided_at ELSE $7 END
                   WHERE tenant = $1 AND name = $2 AND version = $3 AND state = 'in_review'""",
                event.tenant, event.name, event.version, state and str(state), reasons,
                event.decided_by, event.at,
            )  # fmt: skip
