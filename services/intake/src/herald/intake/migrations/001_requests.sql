CREATE SCHEMA IF NOT EXISTS intake;

-- One row per (tenant, request_id): the dedupe record and the latest status.
CREATE TABLE intake.requests (
    tenant        text        NOT NULL,
    request_id    text        NOT NULL,
    body_sha256   text        NOT NULL,
    department    text        NOT NULL,
    requester     text        NOT NULL,
    trace_id      text        NOT NULL,
    received_via  text        NOT NULL,
    source        text        NOT NULL,  -- topic:partition:offset, or http:<uuid>
    emitted       boolean     NOT NULL DEFAULT false,
    status        jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, request_id)
);

-- Standing of requesters and departments, as review publishes it.
CREATE TABLE intake.standing (
    tenant        text        NOT NULL,
    subject_kind  text        NOT NULL,
    subject       text        NOT NULL,
    standing      text        NOT NULL,
    at            timestamptz NOT NULL,
    PRIMARY KEY (tenant, subject_kind, subject)
);
