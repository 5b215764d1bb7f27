-- Sends waiting for a later attempt (backoff, Retry-After, rate limit). A row is leased
-- by pushing not_before forward while it runs; a crash just lets the lease expire.
CREATE TABLE dispatcher.retries (
    delivery_id  text        PRIMARY KEY,
    tenant       text        NOT NULL,
    send         jsonb       NOT NULL,
    progress     jsonb       NOT NULL,
    not_before   timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX retries_due ON dispatcher.retries (not_before);

-- Requests cancelled (push.cancels.v1): their sends end as `cancelled`.
CREATE TABLE dispatcher.cancels (
    tenant       text        NOT NULL,
    request_id   text        NOT NULL,
    at           timestamptz NOT NULL,
    PRIMARY KEY (tenant, request_id)
);

-- The consent view (push.recipients.v1): consent only, never contacts. A tombstone
-- leaves a row with erased = true and no consent.
CREATE TABLE dispatcher.consent (
    recipient_id text        PRIMARY KEY,
    tenant       text,
    marketing    boolean     NOT NULL DEFAULT false,
    channels     jsonb       NOT NULL DEFAULT '{}',
    erased       boolean     NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- The in-app inbox.
CREATE TABLE dispatcher.inbox (
    delivery_id  text        PRIMARY KEY,
    tenant       text        NOT NULL,
    recipient_id text        NOT NULL,
    request_id   text        NOT NULL,
    title        text        NOT NULL,
    body         text        NOT NULL,
    url          text,
    html         text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    read_at      timestamptz
);
CREATE INDEX inbox_by_recipient ON dispatcher.inbox (tenant, recipient_id, created_at DESC);
