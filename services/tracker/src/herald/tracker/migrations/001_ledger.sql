CREATE SCHEMA IF NOT EXISTS tracker;

-- Exactly one outcome per delivery (per recipient of a request).
-- deliberate declaration: the ledger's columns, declared again as partitioned tables by 002
CREATE TABLE tracker.outcomes (
    delivery_id   text        PRIMARY KEY,
    tenant        text        NOT NULL,
    request_id    text        NOT NULL,
    department    text        NOT NULL,
    recipient_id  text,
    outcome       text        NOT NULL,
    channel       text,
    provider      text,
    reason        text,
    detail        text        NOT NULL DEFAULT '',
    at            timestamptz NOT NULL
);
CREATE INDEX outcomes_request ON tracker.outcomes (tenant, request_id);
CREATE INDEX outcomes_recipient ON tracker.outcomes (recipient_id) WHERE recipient_id IS NOT NULL;

-- Engagement events, once each.
CREATE TABLE tracker.engagement (
    event_id     text        PRIMARY KEY,
    delivery_id  text        NOT NULL,
    kind         text        NOT NULL,
    at           timestamptz NOT NULL,
    url          text
);
CREATE INDEX engagement_delivery ON tracker.engagement (delivery_id);

-- Per request: how many outcomes to expect and how many are in, and how it ended.
CREATE TABLE tracker.requests (
    tenant        text        NOT NULL,
    request_id    text        NOT NULL,
    department    text,
    labels        jsonb       NOT NULL DEFAULT '{}',
    recipients    integer,
    outcomes      integer     NOT NULL DEFAULT 0,
    final_status  text,
    finalized_at  timestamptz,
    PRIMARY KEY (tenant, request_id)
);
