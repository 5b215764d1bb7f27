"""Plans in `scheduler.plans`, one row per request, and the timers a plan adds or a
cancel takes back (`scheduler.timer_batches`)."""

import dataclasses
import json
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from herald.contracts.internal import RequestEnvelope
from herald.runtime.db import Database
from herald.scheduler.adapters.postgres.batches import insert_one_from, insert_timers, timer_rows
from herald.scheduler.adapters.postgres.connection import (
    OnConnection,
    contention,
    working,
)
from herald.scheduler.adapters.postgres.rows import PLAN, plan_of
from herald.scheduler.domain.model import Plan, PlanKey, PlanState, Stopped, Timer
from herald.scheduler.ports import PlanChange

_ENVELOPES_KEPT = 1000

_IDS_DROPPED = {"all": True}
"""What an explicit id list is kept as: releases and cancels never read the audience
(the planner expands it from the approved request itself, also when it resumes), and a
list of 100,000 ids would be megabytes to parse for each release batch."""

_SLIM = f"""CASE WHEN p.envelope->'request'->'audience' ? 'recipients'
    THEN jsonb_set(p.envelope, '{{request,audience}}', '{json.dumps(_IDS_DROPPED)}'::jsonb)
    ELSE p.envelope END"""
"""Plans kept before the id list was dropped on the way in: dropped on the way out, by
Postgres, so the scheduler never decodes it."""


def kept(envelope: RequestEnvelope) -> dict[str, Any]:
    """The envelope as a plan keeps it: without the audience's id list."""
    doc: dict[str, Any] = envelope.model_dump(mode="json", exclude={"request": {"audience"}})
    aud = envelope.request.audience
    doc["request"]["audience"] = (
        _IDS_DROPPED if aud.recipients is not None else aud.model_dump(mode="json")
    )
    return doc


class PostgresPlans:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._envelopes: dict[PlanKey, RequestEnvelope] = {}
        """Envelopes never change once kept: releases read them from here."""

    async def open(self, envelope: RequestEnvelope) -> Plan:
        req = envelope.request
        with contention():
            row = await self._db.pool.fetchrow(
                f"""INSERT INTO scheduler.plans (tenant, request_id, state, envelope)
                    VALUES ($1, $2, 'expanding', $3)
                    ON CONFLICT (tenant, request_id) DO UPDATE
                      SET envelope = coalesce(scheduler.plans.envelope, EXCLUDED.envelope)
                    RETURNING {PLAN}""",  # noqa: S608 - constant column list
                req.tenant,
                req.request_id,
                kept(envelope),
            )
        return plan_of(row)

    def transaction(self) -> AbstractAsyncContextManager["PlanEdit"]:
        return working(self._db, PlanEdit)

    async def finish_expansion(self, key: PlanKey) -> None:
        with contention():
            await self._db.pool.execute(
                """UPDATE scheduler.plans SET complete = true,
                       state = CASE WHEN state = 'streaming' THEN 'scheduled' ELSE state END
                   WHERE tenant = $1 AND request_id = $2""",
                *key,
            )

    async def envelopes(self, keys: Sequence[PlanKey]) -> dict[PlanKey, RequestEnvelope]:
        missing = sorted(set(keys) - self._envelopes.keys())
        if missing:
            if len(self._envelopes) + len(missing) > _ENVELOPES_KEPT:
                self._envelopes.clear()
            found = await self._db.pool.fetch(
                f"""SELECT p.tenant, p.request_id, {_SLIM} AS envelope FROM scheduler.plans p
                   JOIN unnest($1::text[], $2::text[]) AS k(tenant, request_id)
                     ON p.tenant = k.tenant AND p.request_id = k.request_id""",  # noqa: S608
                [k[0] for k in missing],
                [k[1] for k in missing],
            )
            for r in found:
                env = RequestEnvelope.model_validate(r["envelope"])
                self._envelopes[(r["tenant"], r["request_id"])] = env
        return {k: self._envelopes[k] for k in keys}


class PlanEdit(OnConnection):
    async def lock(self, key: PlanKey) -> Plan | None:
        row = await self._conn.fetchrow(
            f"""SELECT {PLAN} FROM scheduler.plans
                WHERE tenant = $1 AND request_id = $2 FOR UPDATE""",  # noqa: S608
            *key,
        )
        return plan_of(row) if row else None

    async def remember_cancel(self, key: PlanKey) -> None:
        await self._conn.execute(
            """INSERT INTO scheduler.plans (tenant, request_id, state)
               VALUES ($1, $2, 'cancel_requested') ON CONFLICT DO NOTHING""",
            *key,
        )

    async def change(self, key: PlanKey, change: PlanChange) -> None:
        """Set the fields given (column names are PlanChange's own, never input)."""
        cols = _columns(change)
        sets = ", ".join(f"{n} = ${i + 3}" for i, n in enumerate(cols))
        await self._conn.execute(
            f"UPDATE scheduler.plans SET {sets} WHERE tenant = $1 AND request_id = $2",  # noqa: S608
            *key,
            *cols.values(),
        )

    # deliberate declaration: the port's signature (ports.Plans.advance)
    async def advance(
        self,
        key: PlanKey,
        prev: str,
        cursor: str,
        n: int,
        *,
        last: bool = False,
        change: PlanChange | None = None,
        timers: Sequence[Timer] = (),
    ) -> PlanState | None:
        """One statement when the timers make one batch row (a single push): the
        update, and the row inserted with it unless the plan is cancelled."""
        cols = _columns(change) if change else {}
        assert "complete" not in cols, "advance decides `complete`"
        new_state = cols.pop("state", None)
        extra = "".join(f", {n} = ${i + 7}" for i, n in enumerate(cols))
        args = [*key, prev, cursor, n, last, *cols.values()]
        if new_state:
            args.append(new_state)
        state = f"${len(args)}::text" if new_state else "state"
        update = f"""UPDATE scheduler.plans SET cursor = $4, expanded = expanded + $5,
                   complete = $6{extra},
                   state = CASE WHEN $6 AND {state} = 'streaming' THEN 'scheduled'
                                ELSE {state} END
               WHERE tenant = $1 AND request_id = $2 AND coalesce(cursor, '') = $3
                 AND NOT complete
               RETURNING state"""  # noqa: S608 - column names are PlanChange's own
        rows = timer_rows(timers)
        if len(rows) == 1:
            insert = insert_one_from("advanced WHERE state <> 'cancelled'", len(args) + 1)
            update = f"WITH advanced AS ({update}), added AS ({insert}) SELECT state FROM advanced"  # noqa: S608 - built from constants
            args += rows[0]
        found: str | None = await self._conn.fetchval(update, *args)
        if found is None:
            return None
        if len(rows) > 1 and found != PlanState.CANCELLED:
            await insert_timers(self._conn, timers)
        return PlanState(found)

    async def add_timers(self, timers: Sequence[Timer]) -> None:
        """As batch rows. The plan's cursor (`advance`, in this transaction) is what
        keeps a chunk from being added twice: rows have no key per delivery id."""
        await insert_timers(self._conn, timers)

    async def take_timers(self, key: PlanKey, limit: int) -> list[Stopped]:
        """Whole rows, about `limit` sends (a row more at most). A row a release holds is
        waited for; if every row read was gone by then (released, its deferred sends
        moved to new rows), read again, so that nothing is returned only when nothing
        of the request is left."""
        while True:
            ids = await self._batch_ids(key, limit)
            if not ids:
                return []
            found = await self._conn.fetch(
                """DELETE FROM scheduler.timer_batches WHERE id IN (
                       SELECT id FROM scheduler.timer_batches WHERE id = ANY($1::bigint[])
                       ORDER BY id FOR UPDATE)
                   RETURNING delivery_ids[taken + 1:] AS d, recipient_ids[taken + 1:] AS r,
                             deferred""",
                ids,
            )
            if found:
                return [
                    Stopped(did, rid, tuple(r["deferred"]))
                    for r in found
                    for did, rid in zip(r["d"], r["r"], strict=True)
                ]

    async def _batch_ids(self, key: PlanKey, limit: int) -> list[int]:
        rows = await self._conn.fetch(
            """SELECT id, size - taken AS waiting FROM scheduler.timer_batches
               WHERE tenant = $1 AND request_id = $2 ORDER BY id LIMIT $3""",
            *key,
            limit,
        )
        ids, n = [], 0
        for r in rows:
            if n >= limit:
                break
            ids.append(r["id"])
            n += r["waiting"]
        return ids


def _columns(change: PlanChange) -> dict[str, Any]:
    """The columns a change sets, by name, with their values."""
    cols: dict[str, Any] = {
        f.name: getattr(change, f.name)
        for f in dataclasses.fields(change)
        if getattr(change, f.name) is not None
    }
    if "suppressed_by" in cols:
        cols["suppressed_by"] = dict(cols["suppressed_by"])
    return cols
