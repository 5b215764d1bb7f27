CREATE SCHEMA IF NOT EXISTS scheduler;

-- The recipient directory, materialised from the compacted push.recipients.v1.
CREATE TABLE scheduler.recipients (
    tenant        text        NOT NULL,
    recipient_id  text        NOT NULL,
    timezone      text,
    locale        text,
    contacts      jsonb       NOT NULL,
    tags          text[]      NOT NULL DEFAULT '{}',
    consent       jsonb       NOT NULL,
    quiet_hours   jsonb,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, recipient_id)
);
CREATE INDEX recipients_tags ON scheduler.recipients USING gin (tags);

-- One plan per approved request.
CREATE TABLE scheduler.plans (
    tenant          text        NOT NULL,
    request_id      text        NOT NULL,
    state           text        NOT NULL,  -- expanding | scheduled | cancelled
    envelope        jsonb       NOT NULL,
    recipients      integer     NOT NULL DEFAULT 0,
    suppressed      integer     NOT NULL DEFAULT 0,
    dispatching_at  timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, request_id)
);

-- Durable timers: one row per send not yet handed on. Claimed with FOR UPDATE SKIP
-- LOCKED and deleted in the same transaction that publishes the send.
CREATE TABLE scheduler.timers (
    delivery_id   text        PRIMARY KEY,
    tenant        text        NOT NULL,
    request_id    text        NOT NULL,
    recipient_id  text        NOT NULL,
    due_at        timestamptz NOT NULL,
    expires_at    timestamptz,
    priority      smallint    NOT NULL,
    ready         boolean     NOT NULL DEFAULT false  -- true once the plan is announced
);
CREATE INDEX timers_due ON scheduler.timers (priority DESC, due_at) WHERE ready;
CREATE INDEX timers_request ON scheduler.timers (tenant, request_id);
