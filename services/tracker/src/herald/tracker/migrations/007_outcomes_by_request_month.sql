-- Issue 17 item 3: one row per recipient outcome.
--
-- Outcomes were partitioned by month on their own time (`at`), which a producer that
-- re-sends after a crash stamps anew, so the exact dedupe had to be a second table keyed
-- by delivery id alone (`deliveries`). Now they are partitioned on `requested_at`: the
-- time their request began (`requests.created_at`, the first outcome's or status's own
-- time, never changed afterwards). Every outcome of a request carries the same value, so
-- the primary key (delivery_id, requested_at) of the partitioned table is the exact
-- dedupe, and retention still drops whole months (of requests). Engagement finds a
-- delivery's request by the same key, newest month first. `deliveries` is emptied and
-- no longer written.
--
-- Rolling upgrade: a tracker of before, still running, writes an outcome row without
-- `requested_at`; its default (-infinity) has no partition, which that tracker takes for
-- a partition dropped under it (a check violation) and retries, consuming nothing more
-- (not ready) until it is replaced: its outcomes wait in Kafka, none is dead-lettered.
-- Its engagement finds no delivery in the empty `deliveries` and keeps the events as
-- for a delivery not known yet (they count only for the delivery's own tenant).
-- `deliveries` is dropped by a later migration, once no tracker of before can run.

-- Every outcome's request has a row (only finished requests were ever pruned, and only
-- when older than retention: their outcomes stayed where `at` was later).
INSERT INTO tracker.requests (tenant, request_id, department, outcomes, created_at,
                              final_status, finalized_at)
SELECT tenant, request_id, min(department), count(*), min(at), 'completed', now()
FROM tracker.outcomes GROUP BY tenant, request_id
ON CONFLICT (tenant, request_id) DO NOTHING;

ALTER TABLE tracker.outcomes RENAME TO outcomes_by_at;
ALTER INDEX tracker.outcomes_request RENAME TO outcomes_by_at_request;
ALTER INDEX tracker.outcomes_tenant_at RENAME TO outcomes_by_at_tenant_at;
ALTER INDEX tracker.outcomes_recipient RENAME TO outcomes_by_at_recipient;
DO $$
DECLARE
    part text;
BEGIN
    FOR part IN
        SELECT c.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'tracker.outcomes_by_at'::regclass
    LOOP
        EXECUTE format('ALTER TABLE tracker.%I RENAME TO %I',
                       part, replace(part, 'outcomes_p', 'outcomes_by_at_p'));
    END LOOP;
END $$;

-- deliberate declaration: declared again, column by column, with the new partition key
CREATE TABLE tracker.outcomes (
    delivery_id   text        NOT NULL,
    tenant        text        NOT NULL,
    request_id    text        NOT NULL,
    department    text        NOT NULL,
    recipient_id  text,
    outcome       text        NOT NULL,
    channel       text,
    provider      text,
    reason        text,
    detail        text        NOT NULL DEFAULT '',
    at            timestamptz NOT NULL,
    deferred      text[]      NOT NULL DEFAULT '{}',
    requested_at  timestamptz NOT NULL DEFAULT '-infinity',
    PRIMARY KEY (delivery_id, requested_at)
) PARTITION BY RANGE (requested_at);
CREATE INDEX outcomes_request ON tracker.outcomes (tenant, request_id);
CREATE INDEX outcomes_tenant_at ON tracker.outcomes (tenant, at);
CREATE INDEX outcomes_recipient ON tracker.outcomes (recipient_id) WHERE recipient_id IS NOT NULL;

-- Partition names come from dates only.
DO $$
DECLARE
    m date;
BEGIN
    FOR m IN
        SELECT DISTINCT date_trunc('month', r.created_at AT TIME ZONE 'UTC')::date
        FROM tracker.requests r
        WHERE EXISTS (SELECT 1 FROM tracker.outcomes_by_at o
                      WHERE o.tenant = r.tenant AND o.request_id = r.request_id)
    LOOP
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS tracker.%I PARTITION OF tracker.outcomes '
            'FOR VALUES FROM (%L) TO (%L)',
            'outcomes_p' || to_char(m, 'YYYYMM'),
            (m::timestamp AT TIME ZONE 'UTC'), ((m + interval '1 month') AT TIME ZONE 'UTC'));
    END LOOP;
END $$;

INSERT INTO tracker.outcomes (delivery_id, tenant, request_id, department, recipient_id,
                              outcome, channel, provider, reason, detail, at, deferred,
                              requested_at)
SELECT o.delivery_id, o.tenant, o.request_id, o.department, o.recipient_id, o.outcome,
       o.channel, o.provider, o.reason, o.detail, o.at, o.deferred, r.created_at
FROM tracker.outcomes_by_at o
JOIN tracker.requests r ON r.tenant = o.tenant AND r.request_id = o.request_id;

DROP TABLE tracker.outcomes_by_at;
TRUNCATE tracker.deliveries;
