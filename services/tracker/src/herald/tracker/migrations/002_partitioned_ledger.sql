-- The ledger, partitioned by month on `at` so that retention is a partition drop.
--
-- A primary key on a partitioned table must include the partition column, and an
-- outcome or event redelivered with another `at` would then slip past it. So each
-- partitioned table has a narrow, unpartitioned table beside it that decides "seen
-- before?" exactly (delivery_id / event_id alone). Rows are admitted to the ledger only
-- when their id is new; the ids are pruned by the same retention as the rows.
-- `deliveries` also says which request and channel a delivery belongs to, so that an
-- engagement event finds its request with one index probe instead of one per partition.

ALTER TABLE tracker.outcomes RENAME TO outcomes_v1;
ALTER TABLE tracker.outcomes_v1 RENAME CONSTRAINT outcomes_pkey TO outcomes_v1_pkey;
ALTER INDEX tracker.outcomes_request RENAME TO outcomes_v1_request;
ALTER INDEX tracker.outcomes_recipient RENAME TO outcomes_v1_recipient;
ALTER TABLE tracker.engagement RENAME TO engagement_v1;
ALTER TABLE tracker.engagement_v1 RENAME CONSTRAINT engagement_pkey TO engagement_v1_pkey;
ALTER INDEX tracker.engagement_delivery RENAME TO engagement_v1_delivery;

-- deliberate declaration: declared again, column by column, as partitioned tables (a migration is history: 001
-- stays as it ran).
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
    deferred      text[]      NOT NULL DEFAULT '{}'
) PARTITION BY RANGE (at);
CREATE INDEX outcomes_request ON tracker.outcomes (tenant, request_id);
CREATE INDEX outcomes_tenant_at ON tracker.outcomes (tenant, at);
CREATE INDEX outcomes_recipient ON tracker.outcomes (recipient_id) WHERE recipient_id IS NOT NULL;

CREATE TABLE tracker.engagement (
    event_id     text        NOT NULL,
    delivery_id  text        NOT NULL,
    kind         text        NOT NULL,
    at           timestamptz NOT NULL,
    url          text
) PARTITION BY RANGE (at);
CREATE INDEX engagement_delivery ON tracker.engagement (delivery_id);

CREATE TABLE tracker.deliveries (
    delivery_id  text        PRIMARY KEY,
    at           timestamptz NOT NULL,
    tenant       text        NOT NULL,
    request_id   text        NOT NULL,
    channel      text
);
CREATE INDEX deliveries_at ON tracker.deliveries (at);

CREATE TABLE tracker.engagement_ids (
    event_id     text        PRIMARY KEY,
    at           timestamptz NOT NULL
);
CREATE INDEX engagement_ids_at ON tracker.engagement_ids (at);

-- Recipients erased by a tombstone: an outcome that arrives for them later is stored
-- unlinked too. A new profile for the same id takes it off the list.
CREATE TABLE tracker.erased (
    recipient_id  text        PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE tracker.requests
    ADD COLUMN created_at   timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN dirty        boolean     NOT NULL DEFAULT false,
    ADD COLUMN announced_at timestamptz;
CREATE INDEX requests_dirty ON tracker.requests (announced_at) WHERE dirty;

-- Move what the unpartitioned tables held (partition names come from dates only).
DO $$
DECLARE
    m date;
BEGIN
    FOR m IN
        SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC')::date FROM tracker.outcomes_v1
        UNION
        SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC')::date FROM tracker.engagement_v1
    LOOP
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS tracker.%I PARTITION OF tracker.outcomes '
            'FOR VALUES FROM (%L) TO (%L)',
            'outcomes_p' || to_char(m, 'YYYYMM'),
            (m::timestamp AT TIME ZONE 'UTC'), ((m + interval '1 month') AT TIME ZONE 'UTC'));
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS tracker.%I PARTITION OF tracker.engagement '
            'FOR VALUES FROM (%L) TO (%L)',
            'engagement_p' || to_char(m, 'YYYYMM'),
            (m::timestamp AT TIME ZONE 'UTC'), ((m + interval '1 month') AT TIME ZONE 'UTC'));
    END LOOP;
END $$;

INSERT INTO tracker.deliveries (delivery_id, at, tenant, request_id, channel)
SELECT delivery_id, at, tenant, request_id, channel FROM tracker.outcomes_v1;
INSERT INTO tracker.outcomes (delivery_id, tenant, request_id, department, recipient_id,
                              outcome, channel, provider, reason, detail, at)
SELECT delivery_id, tenant, request_id, department, recipient_id,
       outcome, channel, provider, reason, detail, at
FROM tracker.outcomes_v1;
INSERT INTO tracker.engagement_ids (event_id, at) SELECT event_id, at FROM tracker.engagement_v1;
INSERT INTO tracker.engagement (event_id, delivery_id, kind, at, url)
SELECT event_id, delivery_id, kind, at, url FROM tracker.engagement_v1;

DROP TABLE tracker.outcomes_v1;
DROP TABLE tracker.engagement_v1;
