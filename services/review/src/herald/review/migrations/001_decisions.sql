CREATE SCHEMA IF NOT EXISTS review;

-- The current decision per request (one row), and whether it was passed on.
CREATE TABLE review.decisions (
    tenant       text        NOT NULL,
    request_id   text        NOT NULL,
    state        text        NOT NULL,   -- approved | rejected | pending_review | cancelled | expired
    requester    text        NOT NULL,
    department   text        NOT NULL,
    envelope     jsonb       NOT NULL,
    reasons      jsonb       NOT NULL DEFAULT '[]',
    emitted      boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    decided_at   timestamptz,
    PRIMARY KEY (tenant, request_id)
);
CREATE INDEX decisions_pending ON review.decisions (tenant, created_at) WHERE state = 'pending_review';

-- Every automatic and human decision, append-only: the API can read it, never change it.
CREATE TABLE review.audit (
    id           bigserial   PRIMARY KEY,
    tenant       text        NOT NULL,
    request_id   text        NOT NULL,
    actor        text        NOT NULL,   -- "rules" or the reviewer's user
    action       text        NOT NULL,
    reasons      jsonb       NOT NULL DEFAULT '[]',
    note         text,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_request ON review.audit (tenant, request_id);

CREATE FUNCTION review.audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'review.audit is append-only';
END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON review.audit
    FOR EACH ROW EXECUTE FUNCTION review.audit_is_append_only();
