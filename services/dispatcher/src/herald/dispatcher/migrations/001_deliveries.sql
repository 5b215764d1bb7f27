CREATE SCHEMA IF NOT EXISTS dispatcher;

-- One row per delivery id: claimed before the provider call, finished with its outcome.
-- A redelivered send whose row has an outcome is not sent again; one without (a crash
-- during the call) is sent again with the same delivery id as idempotency key.
CREATE TABLE dispatcher.deliveries (
    delivery_id  text        PRIMARY KEY,
    tenant       text        NOT NULL,
    request_id   text        NOT NULL,
    attempts     integer     NOT NULL DEFAULT 1,
    outcome      jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
