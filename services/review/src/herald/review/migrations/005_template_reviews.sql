-- Stored templates' versions, reviewed once when published (issue 18): one row per
-- version, its decision (by the rules or a human) and whether it was announced.
CREATE TABLE review.template_reviews (
    tenant      text        NOT NULL,
    name        text        NOT NULL,
    version     integer     NOT NULL,
    state       text        NOT NULL,   -- approved | rejected | pending_review
    requested   jsonb       NOT NULL,   -- the TemplateReviewRequested
    submitter   text        NOT NULL,
    department  text        NOT NULL,
    reasons     jsonb       NOT NULL DEFAULT '[]',
    findings    jsonb       NOT NULL DEFAULT '[]',
    decided_by  text,
    note        text,
    emitted     boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL,
    decided_at  timestamptz,
    PRIMARY KEY (tenant, name, version)
);
CREATE INDEX template_reviews_pending
    ON review.template_reviews (tenant, created_at) WHERE state = 'pending_review';
