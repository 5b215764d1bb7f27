"""Batches into the ledger: COPY into a temporary staging table, then one merge statement.

The merge admits a row only when its id is new in the id table (exact idempotency on
delivery_id / event_id), inserts it into the partitioned ledger, and keeps the
per-request bookkeeping, all in the caller's transaction. Lookups into the big tables
are LATERAL subqueries with LIMIT 1 (which the planner cannot flatten into a hash join
over the whole table) so that they stay index probes per staged row, whatever the
planner thinks of a freshly filled staging table or of tables not analysed yet.
It returns what was new, by tenant, channel and kind, for the metrics.
"""

from collections.abc import Sequence

import asyncpg

from herald.contracts import Engagement
from herald.contracts.internal import Outcome
from herald.tracker.ports import Recorded, Refused

OUTCOME_COLUMNS = (
    "delivery_id",
    "tenant",
    "request_id",
    "department",
    "recipient_id",
    "outcome",
    "channel",
    "provider",
    "reason",
    "detail",
    "at",
    "deferred",
)
ENGAGEMENT_COLUMNS = ("event_id", "delivery_id", "kind", "at", "url", "tenant")

_OUTCOME_STAGE = """CREATE TEMP TABLE IF NOT EXISTS outcome_stage (
    delivery_id text, tenant text, request_id text, department text, recipient_id text,
    outcome text, channel text, provider text, reason text, detail text,
    at timestamptz, deferred text[]) ON COMMIT DELETE ROWS"""
_ENGAGEMENT_STAGE = """CREATE TEMP TABLE IF NOT EXISTS engagement_stage (
    event_id text, delivery_id text, kind text, at timestamptz, url text, tenant text)
    ON COMMIT DELETE ROWS"""

_MERGE_OUTCOMES = """
WITH s AS (SELECT DISTINCT ON (delivery_id) * FROM outcome_stage ORDER BY delivery_id, at),
fresh AS (
    INSERT INTO tracker.deliveries (delivery_id, at, tenant, request_id, channel)
    SELECT delivery_id, at, tenant, request_id, channel FROM s
    ON CONFLICT (delivery_id) DO NOTHING RETURNING delivery_id),
ins AS (
    INSERT INTO tracker.outcomes (delivery_id, tenant, request_id, department, recipient_id,
        outcome, channel, provider, reason, detail, at, deferred)
    SELECT s.delivery_id, s.tenant, s.request_id, s.department,
           CASE WHEN er.gone THEN NULL ELSE s.recipient_id END,
           s.outcome, s.channel, s.provider, s.reason,
           CASE WHEN er.gone THEN '' ELSE s.detail END, s.at, s.deferred
    FROM s JOIN fresh USING (delivery_id)
    LEFT JOIN LATERAL (SELECT true AS gone FROM tracker.erased x
                       WHERE x.digest = encode(sha256(convert_to(s.recipient_id, 'UTF8')), 'hex')
                         AND x.tenant IN (s.tenant, '')
                       LIMIT 1) er ON true
    RETURNING tenant, request_id, department, channel, outcome),
per AS (SELECT tenant, request_id, min(department) AS department, count(*) AS n
        FROM ins GROUP BY tenant, request_id),
upd AS (
    INSERT INTO tracker.requests (tenant, request_id, department, outcomes)
    SELECT tenant, request_id, department, n FROM per
    ON CONFLICT (tenant, request_id) DO UPDATE
      SET outcomes = tracker.requests.outcomes + EXCLUDED.outcomes,
          department = coalesce(tracker.requests.department, EXCLUDED.department)
    RETURNING 1)
SELECT tenant, channel, outcome AS kind, count(*) AS n FROM ins GROUP BY 1, 2, 3
"""

# Engagement is credited to a tenant: the one it claims (`Engagement.tenant`, stamped by
# Herald from the caller's credential), or for Herald's own reports (no claim) the
# delivery's. An event that claims another tenant than its delivery's is refused (handed
# back, and dead-lettered by the consumer); one for a delivery not known yet is kept with
# its claim, and the reports count it only if the delivery turns out to be that tenant's.
# Event ids are unique per tenant: another tenant cannot take a real event's id first.
_MERGE_ENGAGEMENT = """
WITH r AS (
    SELECT s.event_id, s.delivery_id, s.kind, s.at, s.url, s.tenant AS claimed,
           d.tenant AS owner, d.request_id, d.channel
    FROM engagement_stage s
    LEFT JOIN LATERAL (SELECT tenant, request_id, channel FROM tracker.deliveries x
                       WHERE x.delivery_id = s.delivery_id LIMIT 1) d ON true),
ok AS (
    SELECT DISTINCT ON (coalesce(claimed, owner, ''), event_id) *,
           coalesce(claimed, owner) AS credited
    FROM r WHERE claimed IS NULL OR owner IS NULL OR claimed = owner
    ORDER BY coalesce(claimed, owner, ''), event_id, at),
fresh AS (
    INSERT INTO tracker.engagement_ids (tenant, event_id, at)
    SELECT coalesce(credited, ''), event_id, at FROM ok
    ON CONFLICT (tenant, event_id) DO NOTHING RETURNING tenant, event_id),
ins AS (
    INSERT INTO tracker.engagement (event_id, delivery_id, kind, at, url, tenant)
    SELECT ok.event_id, ok.delivery_id, ok.kind, ok.at, ok.url, ok.credited
    FROM ok JOIN fresh ON fresh.event_id = ok.event_id
                      AND fresh.tenant = coalesce(ok.credited, '')
    RETURNING event_id, tenant),
hit AS (SELECT ok.kind, ok.owner AS tenant, ok.request_id, ok.channel
        FROM ins JOIN ok ON ok.event_id = ins.event_id
                        AND coalesce(ok.credited, '') = coalesce(ins.tenant, '')),
dirty AS (
    UPDATE tracker.requests r SET dirty = true
    FROM (SELECT DISTINCT tenant, request_id FROM hit WHERE tenant IS NOT NULL) h
    WHERE r.tenant = h.tenant AND r.request_id = h.request_id
      AND r.final_status IS NOT NULL AND NOT r.dirty
    RETURNING 1)
SELECT false AS refused, tenant, channel, kind, count(*) AS n,
       NULL::text AS event_id, NULL::text AS delivery_id
FROM hit GROUP BY 2, 3, 4
UNION ALL
SELECT true, claimed, NULL, kind, 1, event_id, delivery_id
FROM r WHERE claimed IS NOT NULL AND owner IS NOT NULL AND claimed <> owner
"""


def outcome_record(o: Outcome) -> tuple[object, ...]:
    return (
        o.delivery_id,
        o.tenant,
        o.request_id,
        o.department,
        o.recipient_id,
        str(o.outcome),
        o.channel and str(o.channel),
        o.provider,
        o.reason and str(o.reason),
        o.detail,
        o.at,
        [str(d) for d in o.deferred],
    )


def engagement_record(e: Engagement) -> tuple[object, ...]:
    return (e.event_id, e.delivery_id, str(e.kind), e.at, e.url, e.tenant)


async def merge_outcomes(conn: asyncpg.Connection, outcomes: Sequence[Outcome]) -> list[Recorded]:
    await conn.execute(_OUTCOME_STAGE)
    await conn.copy_records_to_table(
        "outcome_stage", columns=OUTCOME_COLUMNS, records=[outcome_record(o) for o in outcomes]
    )
    return _recorded(await conn.fetch(_MERGE_OUTCOMES))


async def merge_engagement(
    conn: asyncpg.Connection, events: Sequence[Engagement]
) -> tuple[list[Recorded], list[Refused]]:
    """What was new, and the events refused for claiming another tenant's delivery."""
    await conn.execute(_ENGAGEMENT_STAGE)
    await conn.copy_records_to_table(
        "engagement_stage",
        columns=ENGAGEMENT_COLUMNS,
        records=[engagement_record(e) for e in events],
    )
    rows = await conn.fetch(_MERGE_ENGAGEMENT)
    refused = [
        Refused(r["event_id"], r["delivery_id"], r["tenant"], r["kind"])
        for r in rows
        if r["refused"]
    ]
    return _recorded([r for r in rows if not r["refused"]]), refused


def _recorded(rows: Sequence[asyncpg.Record]) -> list[Recorded]:
    return [Recorded(r["tenant"], r["channel"], r["kind"], r["n"]) for r in rows]
