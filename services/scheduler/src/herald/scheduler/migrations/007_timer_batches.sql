-- Issue 17 item 3: timers per batch. A timer row per recipient cost an insert at planning,
-- a lock and a delete at release, and a `released` row: three of the six row writes per
-- recipient on the whole path. Now one row holds a batch of sends that share a request,
-- a lane, a due time and everything else a release reads (at most `BATCH_IDS` a row,
-- adapters/postgres/batches.py), with their delivery and recipient ids as arrays; a
-- release writes one `released_batches` row per tenant with arrays (and a capped send a
-- `capped_sends` row).
--
-- A release takes a row's first waiting ids (pacing may take fewer than the row holds)
-- and moves `taken` on: the arrays are not rewritten, so the update only bumps a counter
-- (their TOAST values are kept) and the row goes once all its ids are taken. A deferred
-- send (caps, quiet hours) moves to a row of its own; a cancel deletes whole rows.
CREATE TABLE scheduler.timer_batches (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant         text        NOT NULL,
    request_id     text        NOT NULL,
    lane           text        NOT NULL,
    due_at         timestamptz NOT NULL,
    expires_at     timestamptz,
    priority       smallint    NOT NULL,
    category       text        NOT NULL,
    deferred       text[]      NOT NULL DEFAULT '{}',
    delivery_ids   text[]      NOT NULL,
    recipient_ids  text[]      NOT NULL,
    size           integer     NOT NULL,  -- cardinality(delivery_ids), read without detoasting
    taken          integer     NOT NULL DEFAULT 0,  -- the first `taken` ids have left
    CHECK (size = cardinality(delivery_ids) AND size = cardinality(recipient_ids)),
    CHECK (taken >= 0 AND taken < size)
);
CREATE INDEX timer_batches_lane ON scheduler.timer_batches (tenant, lane, priority DESC, due_at);
CREATE INDEX timer_batches_expiry ON scheduler.timer_batches (expires_at)
    WHERE expires_at IS NOT NULL;
CREATE INDEX timer_batches_request ON scheduler.timer_batches (tenant, request_id);

-- Who got each released delivery (engagement is keyed by delivery id), one row per
-- tenant and release. The GIN indexes serve engagement (by delivery id: `fastupdate`
-- off, so that each event's lookup never scans a pending list) and erasure (by recipient
-- id: rare, so the cheaper insert into a pending list wins).
CREATE TABLE scheduler.released_batches (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant         text        NOT NULL,
    released_at    timestamptz NOT NULL,
    delivery_ids   text[]      NOT NULL,
    recipient_ids  text[]      NOT NULL,
    CHECK (cardinality(delivery_ids) = cardinality(recipient_ids))
);
CREATE INDEX released_batches_time ON scheduler.released_batches (released_at);
CREATE INDEX released_batches_delivery ON scheduler.released_batches USING gin (delivery_ids)
    WITH (fastupdate = off);
CREATE INDEX released_batches_recipient ON scheduler.released_batches USING gin (recipient_ids);

-- Existing rows are converted, not drained: a timer may be due days ahead (a schedule,
-- quiet hours), so draining would hold a deploy back that long. Timers that share every
-- column but their ids become one batch; a timer never made ready (no release ever took
-- those) is dropped. Released rows become one batch per tenant and release instant.
-- Run with every old scheduler replica stopped (the old release SQL reads the old tables).
INSERT INTO scheduler.timer_batches
    (tenant, request_id, lane, due_at, expires_at, priority, category, deferred,
     delivery_ids, recipient_ids, size)
SELECT tenant, request_id, lane, due_at, expires_at, priority, category, deferred,
       array_agg(delivery_id ORDER BY delivery_id), array_agg(recipient_id ORDER BY delivery_id),
       count(*)
FROM scheduler.timers WHERE ready
GROUP BY tenant, request_id, lane, due_at, expires_at, priority, category, deferred;

INSERT INTO scheduler.released_batches (tenant, released_at, delivery_ids, recipient_ids)
SELECT tenant, released_at, array_agg(delivery_id ORDER BY delivery_id),
       array_agg(recipient_id ORDER BY delivery_id)
FROM scheduler.released GROUP BY tenant, released_at;

-- A capped send's cap channel and day stay a row of their own (what was `released`, for
-- capped sends only): every outcome asks for them by delivery id (`recount`), a lookup
-- by primary key, and a fan-out without caps writes none.
DELETE FROM scheduler.released WHERE cap_channel IS NULL;
ALTER TABLE scheduler.released RENAME TO capped_sends;
ALTER INDEX scheduler.released_pkey RENAME TO capped_sends_pkey;
ALTER INDEX scheduler.released_time RENAME TO capped_sends_time;
ALTER INDEX scheduler.released_recipient RENAME TO capped_sends_recipient;
DROP TABLE scheduler.timers;

-- The old shapes, one row per send, as read-only views for people and tests (the service
-- reads and writes the batch tables only).
CREATE VIEW scheduler.timers AS
SELECT u.delivery_id, t.tenant, t.request_id, u.recipient_id, t.due_at, t.expires_at,
       t.priority, t.category, t.lane, t.deferred, t.id AS batch_id
FROM scheduler.timer_batches t
CROSS JOIN LATERAL unnest(t.delivery_ids[t.taken + 1:], t.recipient_ids[t.taken + 1:])
    AS u(delivery_id, recipient_id);

CREATE VIEW scheduler.released AS
SELECT u.delivery_id, r.tenant, u.recipient_id, r.released_at, c.cap_channel, c.cap_day,
       r.id AS batch_id
FROM scheduler.released_batches r
CROSS JOIN LATERAL unnest(r.delivery_ids, r.recipient_ids) AS u(delivery_id, recipient_id)
LEFT JOIN scheduler.capped_sends c ON c.delivery_id = u.delivery_id;
