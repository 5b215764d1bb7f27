-- Issue 18: an erased recipient's id is kept nowhere. The list of erased recipients (an
-- outcome arriving later for one is stored unlinked) holds the SHA-256 of each id (hex).
ALTER TABLE tracker.erased ADD COLUMN digest text;
UPDATE tracker.erased SET digest = encode(sha256(convert_to(recipient_id, 'UTF8')), 'hex');
ALTER TABLE tracker.erased DROP CONSTRAINT erased_pkey;
ALTER TABLE tracker.erased DROP COLUMN recipient_id;
ALTER TABLE tracker.erased ALTER COLUMN digest SET NOT NULL;
ALTER TABLE tracker.erased ADD PRIMARY KEY (tenant, digest);
