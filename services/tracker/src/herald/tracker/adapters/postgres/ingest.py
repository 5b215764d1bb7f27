"""Batches into the ledger in one merge statement each: outcomes straight from the
batch's columns as arrays; engagement through COPY into a temporary staging table.

An outcome is one row: the ledger's primary key (delivery_id, requested_at) is its exact
dedupe, since every outcome of a request carries the time the request began
(`requests.created_at`, read by `begun` before the transaction). Engagement is admitted
only when its id is new in `engagement_ids` (exact per tenant and event id). Both merges
keep the per-request bookkeeping, all in the caller's transaction. Lookups into the big
tables are LATERAL subqueries with LIMIT 1 (which the planner cannot flatten into a hash
join over the whole table) so that they stay index probes per staged row, whatever the
planner thinks of a freshly filled staging table or of tables not analysed yet.
It returns what was new, by tenant, channel and kind, for the metrics.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime

import asyncpg

from herald.contracts import Engagement
from herald.contracts.internal import Outcome
from herald.tracker.ports import Finishing, Key, Recorded, Refused

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
    "requested_at",
)
ENGAGEMENT_COLUMNS = ("event_id", "delivery_id", "kind", "at", "url", "tenant")

_ENGAGEMENT_STAGE = """CREATE TEMP TABLE IF NOT EXISTS engagement_stage (
    event_id text, delivery_id text, kind text, at timestamptz, url text, tenant text)
    ON COMMIT DELETE ROWS"""

_MERGE_OUTCOMES = """
WITH s AS (
    SELECT DISTINCT ON (delivery_id) delivery_id, tenant, request_id, department, recipient_id,
           outcome, channel, provider, reason, detail, at,
           coalesce(string_to_array(nullif(deferred, ''), ','), '{}') AS deferred, requested_at
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[],
                $12::text[], $13::timestamptz[])
      AS x(delivery_id, tenant, request_id, department, recipient_id, outcome, channel,
           provider, reason, detail, at, deferred, requested_at)
    ORDER BY delivery_id, at),
ins AS (
    INSERT INTO tracker.outcomes (delivery_id, tenant, request_id, department, recipient_id,
        outcome, channel, provider, reason, detail, at, deferred, requested_at)
    SELECT s.delivery_id, s.tenant, s.request_id, s.department,
           CASE WHEN er.gone THEN NULL ELSE s.recipient_id END,
           s.outcome, s.channel, s.provider, s.reason,
           CASE WHEN er.gone THEN '' ELSE s.detail END, s.at, s.deferred, s.requested_at
    FROM s
    LEFT JOIN LATERAL (SELECT true AS gone FROM tracker.erased x
                       WHERE x.digest = encode(sha256(convert_to(s.recipient_id, 'UTF8')), 'hex')
                         AND x.tenant IN (s.tenant, '')
                       LIMIT 1) er ON true
    ON CONFLICT (delivery_id, requested_at) DO NOTHING
    RETURNING tenant, request_id, department, channel, outcome),
per AS (SELECT tenant, request_id, min(department) AS department, count(*) AS n
        FROM ins GROUP BY tenant, request_id),
upd AS (
    INSERT INTO tracker.requests (tenant, request_id, department, outcomes)
    SELECT tenant, request_id, department, n FROM per
    ON CONFLICT (tenant, request_id) DO UPDATE
      SET outcomes = tracker.requests.outcomes + EXCLUDED.outcomes,
          department = coalesce(tracker.requests.department, EXCLUDED.department)
    RETURNING tenant, request_id, recipients, outcomes, labels, final_status, trace_id)
SELECT false AS ready, tenant, channel, outcome AS kind, count(*) AS n,
       NULL::text AS request_id, NULL::int AS recipients, NULL::jsonb AS labels,
       NULL::text AS trace_id
FROM ins GROUP BY 2, 3, 4
UNION ALL
SELECT true, tenant, NULL, NULL, NULL, request_id, recipients, labels, trace_id
FROM upd
WHERE recipients IS NOT NULL AND outcomes >= recipients AND final_status IS NULL
"""
"""One statement, from the batch's columns as arrays: no staging table written and read
back. It gives what was new (`ready` false) and the requests it made complete (`ready`
true: their rows are locked by the upsert until the transaction ends), so finishing them
does not read the requests again."""

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
    LEFT JOIN LATERAL (SELECT tenant, request_id, channel FROM tracker.outcomes x
                       WHERE x.delivery_id = s.delivery_id
                       ORDER BY x.requested_at DESC LIMIT 1) d ON true),
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


# deliberate declaration: a row of tracker.outcomes, column by column
def outcome_record(o: Outcome, requested_at: datetime) -> tuple[object, ...]:
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
        requested_at,
    )


def engagement_record(e: Engagement) -> tuple[object, ...]:
    return (e.event_id, e.delivery_id, str(e.kind), e.at, e.url, e.tenant)


async def merge_outcomes(
    conn: asyncpg.Connection, outcomes: Sequence[Outcome], begun: Mapping[Key, datetime]
) -> tuple[list[Recorded], list[Finishing]]:
    """What was new, and the requests this batch completed (not finished before).
    `begun`: when each outcome's request began (`Ledger.begun`), its partition key."""
    records = (outcome_record(o, begun[o.tenant, o.request_id]) for o in outcomes)
    columns = list(zip(*records, strict=True))
    columns[-2] = tuple(",".join(d) for d in columns[-2])
    rows = await conn.fetch(_MERGE_OUTCOMES, *(list(c) for c in columns))
    ready = [
        Finishing(
            r["tenant"], r["request_id"], r["recipients"] or 0, r["labels"], None, r["trace_id"]
        )
        for r in rows
        if r["ready"]
    ]
    return _recorded([r for r in rows if not r["ready"]]), ready


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
