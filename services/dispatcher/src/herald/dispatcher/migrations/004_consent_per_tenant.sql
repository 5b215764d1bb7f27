-- The consent view per tenant: a recipient id is a tenant's own, so a profile or a
-- tombstone of one tenant never changes another tenant's consent (issue 14).
-- Rows a tombstone left before this (tenant NULL: it erased the id in every tenant) keep
-- that meaning as tenant '' (the lookup reads a tenant's own row, else such a row).
UPDATE dispatcher.consent SET tenant = '' WHERE tenant IS NULL;
ALTER TABLE dispatcher.consent DROP CONSTRAINT consent_pkey;
ALTER TABLE dispatcher.consent ALTER COLUMN tenant SET NOT NULL;
ALTER TABLE dispatcher.consent ADD PRIMARY KEY (tenant, recipient_id);
