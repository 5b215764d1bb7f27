-- Issue 18: an erased recipient's id is kept nowhere. What stops a late send to them is a
-- marker holding the SHA-256 of the id (hex), never the id; the consent row goes.
CREATE TABLE dispatcher.erased (
    tenant  text        NOT NULL,
    digest  text        NOT NULL,
    at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, digest)
);
INSERT INTO dispatcher.erased (tenant, digest)
SELECT tenant, encode(sha256(convert_to(recipient_id, 'UTF8')), 'hex')
FROM dispatcher.consent WHERE erased
ON CONFLICT DO NOTHING;
DELETE FROM dispatcher.consent WHERE erased;

-- Finding an erased recipient's rows.
CREATE INDEX deliveries_recipient ON dispatcher.deliveries (tenant, (outcome->>'recipient_id'))
    WHERE outcome IS NOT NULL;
CREATE INDEX retries_recipient ON dispatcher.retries (tenant, (send->>'recipient_id'));
