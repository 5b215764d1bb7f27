"""Plans in Postgres: one row per approved (or cancelled-before-approval) request.

States: `cancel_requested` (a cancel came first; no envelope yet), `expanding` (nothing
announced), `streaming` (`scheduled` announced, recipients being expanded from
`cursor` on), `scheduled` (all expanded), `cancelled`. `complete` is set once every
recipient of the plan has a timer or an outcome.
"""

from dataclasses import dataclass
from typing import Any

import asyncpg

from herald.contracts.internal import RequestEnvelope
from herald.runtime.db import Database


@dataclass(frozen=True, slots=True)
class Plan:
    state: str
    cursor: str
    expanded: int
    recipients: int
    suppressed: int
    complete: bool
    dispatching: bool


def _plan(row: Any) -> Plan:
    return Plan(
        row["state"],
        row["cursor"] or "",
        row["expanded"],
        row["recipients"],
        row["suppressed"],
        row["complete"],
        row["dispatching_at"] is not None,
    )


_RETURNING = "state, cursor, expanded, recipients, suppressed, complete, dispatching_at"


class PlanStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._envelopes: dict[tuple[str, str], RequestEnvelope] = {}

    async def open(self, envelope: RequestEnvelope) -> Plan:
        """The request's plan, created `expanding` if new; the envelope is kept once."""
        req = envelope.request
        row = await self._db.pool.fetchrow(
            f"""INSERT INTO scheduler.plans (tenant, request_id, state, envelope)
                VALUES ($1, $2, 'expanding', $3)
                ON CONFLICT (tenant, request_id) DO UPDATE
                  SET envelope = coalesce(scheduler.plans.envelope, EXCLUDED.envelope)
                RETURNING {_RETURNING}""",  # noqa: S608 - constant column list
            req.tenant,
            req.request_id,
            envelope.model_dump(mode="json"),
        )
        return _plan(row)

    @staticmethod
    async def lock(conn: asyncpg.Connection, tenant: str, request_id: str) -> Plan | None:
        row = await conn.fetchrow(
            f"""SELECT {_RETURNING} FROM scheduler.plans
                WHERE tenant = $1 AND request_id = $2 FOR UPDATE""",  # noqa: S608
            tenant,
            request_id,
        )
        return _plan(row) if row else None

    @staticmethod
    async def update(conn: asyncpg.Connection, tenant: str, request_id: str, **cols: Any) -> None:
        """Set the given columns (names from this module's callers, never from input)."""
        names = list(cols)
        sets = ", ".join(f"{n} = ${i + 3}" for i, n in enumerate(names))
        await conn.execute(
            f"UPDATE scheduler.plans SET {sets} WHERE tenant = $1 AND request_id = $2",  # noqa: S608
            tenant,
            request_id,
            *cols.values(),
        )

    @staticmethod
    async def advance(
        conn: asyncpg.Connection, tenant: str, request_id: str, prev: str, cursor: str, n: int
    ) -> str | None:
        """Move the expansion cursor if it is still where this expander left it; return the
        plan's state, or None if another expander moved it (this one must stop)."""
        state: str | None = await conn.fetchval(
            """UPDATE scheduler.plans SET cursor = $4, expanded = expanded + $5
               WHERE tenant = $1 AND request_id = $2 AND coalesce(cursor, '') = $3
                 AND NOT complete
               RETURNING state""",
            tenant,
            request_id,
            prev,
            cursor,
            n,
        )
        return state

    async def envelope(self, tenant: str, request_id: str) -> RequestEnvelope:
        key = (tenant, request_id)
        if key not in self._envelopes:
            if len(self._envelopes) > 1000:
                self._envelopes.clear()
            raw = await self._db.pool.fetchval(
                "SELECT envelope FROM scheduler.plans WHERE tenant = $1 AND request_id = $2",
                tenant,
                request_id,
            )
            self._envelopes[key] = RequestEnvelope.model_validate(raw)
        return self._envelopes[key]
