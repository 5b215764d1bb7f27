-- Issue 21.1: a parked retry keeps its lane, so that only a process serving the critical
-- lane resumes a critical send (and a blast's parked sends never load it). Rows parked
-- before this, or by a replica that predates it, take their lane from the send itself
-- (herald.contracts.critical.is_critical) or, without it, the bulk lane: as before.
ALTER TABLE dispatcher.retries
    ADD COLUMN lane text NOT NULL DEFAULT 'bulk' CHECK (lane IN ('bulk', 'critical'));
UPDATE dispatcher.retries SET lane = 'critical'
WHERE send->>'category' IN ('alert', 'transactional') OR send->>'priority' = 'critical';
DROP INDEX dispatcher.retries_due;
CREATE INDEX retries_due ON dispatcher.retries (lane, not_before);
