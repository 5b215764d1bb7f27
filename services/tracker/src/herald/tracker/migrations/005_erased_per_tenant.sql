-- Erasure per tenant: a tombstone erases a recipient in its producer's tenant only
-- (issue 14). Rows from before (a tombstone then erased the id in every tenant) keep
-- that meaning as tenant '': an outcome arriving later for that id is stored unlinked
-- in any tenant.
ALTER TABLE tracker.erased ADD COLUMN tenant text NOT NULL DEFAULT '';
ALTER TABLE tracker.erased ALTER COLUMN tenant DROP DEFAULT;
ALTER TABLE tracker.erased DROP CONSTRAINT erased_pkey;
ALTER TABLE tracker.erased ADD PRIMARY KEY (tenant, recipient_id);
