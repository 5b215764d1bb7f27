-- Issue 4: findings and human decisions on each request, cancels before the request
-- arrives, strikes and standing. Audit stays append-only (now also against TRUNCATE).

ALTER TABLE review.decisions
    ALTER COLUMN envelope DROP NOT NULL,     -- NULL: cancelled before the request arrived
    ALTER COLUMN requester DROP NOT NULL,
    ALTER COLUMN department DROP NOT NULL,
    ADD COLUMN category   text,
    ADD COLUMN findings   jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN decided_by text,              -- "rules", a reviewer, a canceller or "clock"
    ADD COLUMN note       text,
    ADD COLUMN expires_at timestamptz;       -- the request's own schedule.expires_at
CREATE INDEX decisions_unannounced ON review.decisions (decided_at) WHERE NOT emitted;

ALTER TABLE review.audit
    ALTER COLUMN request_id DROP NOT NULL,   -- NULL for standing actions (see subject)
    ADD COLUMN subject  text,                -- "requester:li.wei" or "department:marketing"
    ADD COLUMN findings jsonb NOT NULL DEFAULT '[]';
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON review.audit
    FOR EACH STATEMENT EXECUTE FUNCTION review.audit_is_append_only();

-- One strike per request per subject (a redelivery never strikes twice).
CREATE TABLE review.strikes (
    tenant       text        NOT NULL,
    subject_kind text        NOT NULL,   -- requester | department
    subject      text        NOT NULL,
    request_id   text        NOT NULL,
    reason       text        NOT NULL,
    at           timestamptz NOT NULL,
    PRIMARY KEY (tenant, subject_kind, subject, request_id)
);
CREATE INDEX strikes_recent ON review.strikes (tenant, subject_kind, subject, at);

CREATE TABLE review.standing (
    tenant       text        NOT NULL,
    subject_kind text        NOT NULL,
    subject      text        NOT NULL,
    standing     text        NOT NULL,
    at           timestamptz NOT NULL,
    reset_at     timestamptz,            -- strikes before an admin's reinstatement don't count
    published    boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (tenant, subject_kind, subject)
);
CREATE INDEX standing_unpublished ON review.standing (tenant) WHERE NOT published;
