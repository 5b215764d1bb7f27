-- Stored templates (issue 18): one row per template, one per version. A version is a
-- draft until published, in review until review decides, and used only when approved.
CREATE TABLE intake.templates (
    tenant      text        NOT NULL,
    name        text        NOT NULL,
    department  text        NOT NULL,
    category    text        NOT NULL,
    channels    text[]      NOT NULL,
    description text        NOT NULL DEFAULT '',
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant, name)
);

CREATE TABLE intake.template_versions (
    tenant       text        NOT NULL,
    name         text        NOT NULL,
    version      integer     NOT NULL CHECK (version >= 1),
    texts        jsonb       NOT NULL,
    state        text        NOT NULL
        CHECK (state IN ('draft', 'in_review', 'approved', 'rejected', 'expired')),
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    published_by text,
    published_at timestamptz,
    decided_by   text,
    decided_at   timestamptz,
    reasons      jsonb       NOT NULL DEFAULT '[]',
    PRIMARY KEY (tenant, name, version),
    FOREIGN KEY (tenant, name) REFERENCES intake.templates (tenant, name)
);

-- "the latest published version"
CREATE INDEX template_versions_approved
    ON intake.template_versions (tenant, name, version DESC) WHERE state = 'approved';
