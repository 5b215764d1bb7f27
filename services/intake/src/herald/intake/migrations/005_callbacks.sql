-- Issue 18: status callbacks. Subscriptions, a durable outbox of deliveries (one per
-- subscription and event), and every attempt of each.

CREATE TABLE intake.callback_subscriptions (
    id              text        PRIMARY KEY,            -- cb_<hex>
    tenant          text        NOT NULL,
    scope           text        NOT NULL,               -- tenant | department
    department      text,                               -- a department scope's
    url             text        NOT NULL,
    events          text[]      NOT NULL,               -- status, standing
    secret          text        NOT NULL,
    previous_secret text,                               -- still honoured until previous_until
    previous_until  timestamptz,
    active          boolean     NOT NULL DEFAULT true,
    disabled_reason text,
    failures        integer     NOT NULL DEFAULT 0,     -- consecutive failed attempts
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX callback_subscriptions_tenant ON intake.callback_subscriptions (tenant);

CREATE TABLE intake.callback_deliveries (
    seq             bigserial   PRIMARY KEY,            -- queue order
    id              text        NOT NULL UNIQUE,        -- dlv_<hex>
    subscription_id text        NOT NULL
                    REFERENCES intake.callback_subscriptions (id) ON DELETE CASCADE,
    event_id        text        NOT NULL,
    type            text        NOT NULL,               -- status | standing
    subject         text        NOT NULL,               -- request:<id> or <kind>:<subject>
    label           text        NOT NULL,               -- the status or standing announced
    body            bytea       NOT NULL,               -- exactly what is POSTed and signed
    state           text        NOT NULL DEFAULT 'pending',  -- pending | delivered | failed
    failures        integer     NOT NULL DEFAULT 0,     -- since queued or replayed
    attempts        integer     NOT NULL DEFAULT 0,     -- ever (numbers the attempts)
    next_at         timestamptz NOT NULL,
    leased_until    timestamptz,
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX callback_deliveries_due ON intake.callback_deliveries (next_at)
    WHERE state = 'pending';
CREATE INDEX callback_deliveries_order ON intake.callback_deliveries (subscription_id, subject, seq)
    WHERE state = 'pending';
CREATE INDEX callback_deliveries_listing ON intake.callback_deliveries (subscription_id, seq);

CREATE TABLE intake.callback_attempts (
    delivery_seq    bigint      NOT NULL
                    REFERENCES intake.callback_deliveries (seq) ON DELETE CASCADE,
    n               integer     NOT NULL,
    at              timestamptz NOT NULL,
    status_code     integer,
    latency_ms      integer     NOT NULL,
    error           text,
    next_at         timestamptz,
    PRIMARY KEY (delivery_seq, n)
);

-- A standing change names a person; their department is that of their latest request.
CREATE INDEX requests_by_requester ON intake.requests (tenant, requester, created_at DESC);
