"""Timers as batch rows (`scheduler.timer_batches`, migration 007): the domain's `Timer`
is one send; a row holds up to `BATCH_IDS` sends that share every other field.

Rows are written a batch at a time: planning inserts a chunk's timers as a few rows, a
release moves a row's `taken` counter past the ids it took (or deletes the row), a
deferral or an erasure re-inserts the sends it moves as rows of their own.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from herald.scheduler.domain.model import Timer

BATCH_IDS = 1000
"""At most this many sends a row: a claim reads a row's arrays whole, and a release batch
(`release_batch`, 1,000) then takes a row or more without splitting it."""

BATCH = """t.id, t.tenant, t.request_id, t.lane, t.due_at, t.expires_at, t.priority,
        t.category, t.deferred"""
"""A batch row's shared fields (each of its timers has them)."""

_INSERT = """
INSERT INTO scheduler.timer_batches (tenant, request_id, lane, due_at, expires_at, priority,
    category, deferred, delivery_ids, recipient_ids, size)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, cardinality($9::text[]))
"""

_Key = tuple[str, str, str, datetime, datetime | None, int, str, tuple[str, ...]]


def _key(t: Timer) -> _Key:
    return (
        t.tenant,
        t.request_id,
        t.lane,
        t.due_at,
        t.expires_at,
        t.priority,
        t.category,
        t.deferred,
    )


def grouped(timers: Iterable[Timer]) -> list[tuple[_Key, list[Timer]]]:
    """Timers that share every field but their ids, at most `BATCH_IDS` a group, in the
    order first seen."""
    groups: dict[_Key, list[Timer]] = {}
    for t in timers:
        groups.setdefault(_key(t), []).append(t)
    return [
        (k, ts[i : i + BATCH_IDS]) for k, ts in groups.items() for i in range(0, len(ts), BATCH_IDS)
    ]


def timer_rows(timers: Iterable[Timer]) -> list[tuple[Any, ...]]:
    """The batch rows of these timers, as `_INSERT`'s parameters."""
    return [
        (*k[:7], list(k[7]), [t.delivery_id for t in ts], [t.recipient_id for t in ts])
        for k, ts in grouped(timers)
    ]


async def insert_timers(conn: asyncpg.Connection, timers: Sequence[Timer]) -> None:
    """One row per group of timers (one statement, pipelined)."""
    if rows := timer_rows(timers):
        await conn.executemany(_INSERT, rows)


def insert_one_from(source: str, first: int) -> str:
    """A data-modifying CTE's body inserting one batch row (parameters `first` to
    `first + 9`, `_INSERT`'s order) once for each row of `source`: a statement that
    adds a single push's timers with the change that makes them due."""
    p = [f"${first + i}" for i in range(10)]
    return f"""INSERT INTO scheduler.timer_batches (tenant, request_id, lane, due_at,
        expires_at, priority, category, deferred, delivery_ids, recipient_ids, size)
      SELECT {p[0]}::text, {p[1]}::text, {p[2]}::text, {p[3]}::timestamptz,
        {p[4]}::timestamptz, {p[5]}::smallint, {p[6]}::text, {p[7]}::text[],
        {p[8]}::text[], {p[9]}::text[], cardinality({p[8]}::text[])
      FROM {source}"""  # noqa: S608 - built from constants


def timers_of(row: Any, delivery_ids: Sequence[str], recipient_ids: Sequence[str]) -> list[Timer]:
    """The timers of a batch row (its `BATCH` columns) for these of its ids."""
    return [
        Timer(
            did,
            row["tenant"],
            row["request_id"],
            rid,
            row["due_at"],
            row["expires_at"],
            row["priority"],
            row["category"],
            row["lane"],
            tuple(row["deferred"]),
        )
        for did, rid in zip(delivery_ids, recipient_ids, strict=True)
    ]


async def advance(conn: asyncpg.Connection, taken: dict[int, tuple[int, int]]) -> None:
    """Rows whose next ids have left: `taken` maps a row id to (ids taken now, ids that
    were waiting in it). A row with nothing left goes; the others move `taken` on."""
    gone = [i for i, (k, left) in taken.items() if k >= left]
    moved = [(i, k) for i, (k, left) in taken.items() if 0 < k < left]
    if gone:
        await conn.execute("DELETE FROM scheduler.timer_batches WHERE id = ANY($1::bigint[])", gone)
    if moved:
        await conn.execute(
            """UPDATE scheduler.timer_batches t SET taken = t.taken + x.k
               FROM unnest($1::bigint[], $2::int[]) AS x(id, k) WHERE t.id = x.id""",
            [i for i, _ in moved],
            [k for _, k in moved],
        )
