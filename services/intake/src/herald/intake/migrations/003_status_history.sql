-- Every Status a request went through, as intake mirrors push.status.v1 (the portal's
-- timeline); intake.requests keeps the latest as before. A redelivered status is the
-- same row (primary key), so the mirror stays idempotent. Filled from the latest
-- status of each request known so far: older history was not kept.
CREATE TABLE intake.status_history (
    tenant       text        NOT NULL,
    request_id   text        NOT NULL,
    status       text        NOT NULL,
    at           timestamptz NOT NULL,
    body         jsonb       NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, request_id, at, status)
);

INSERT INTO intake.status_history (tenant, request_id, status, at, body)
SELECT tenant, request_id, status->>'status', (status->>'at')::timestamptz, status
FROM intake.requests
WHERE status IS NOT NULL
ON CONFLICT DO NOTHING;

-- The portal lists a tenant's (or a department's) requests, latest first.
CREATE INDEX requests_tenant_created ON intake.requests (tenant, created_at DESC);
