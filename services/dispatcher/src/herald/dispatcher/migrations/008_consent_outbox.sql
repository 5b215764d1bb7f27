-- A consent change is announced on push.consent.v1 after the transaction that stores and
-- audits it; a process that stops in between used to lose the announcement. The audit row
-- is now also the outbox entry: `announced` turns true once published, and a sweep
-- publishes rows left unannounced (the same event id: consumers dedupe on it). Rows kept
-- before this migration were announced when they were made.
ALTER TABLE dispatcher.consent_audit ADD COLUMN IF NOT EXISTS announced boolean NOT NULL DEFAULT true;
ALTER TABLE dispatcher.consent_audit ALTER COLUMN announced SET DEFAULT false;
CREATE INDEX IF NOT EXISTS consent_audit_unannounced ON dispatcher.consent_audit (recorded_at) WHERE NOT announced;
