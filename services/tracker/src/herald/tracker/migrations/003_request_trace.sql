-- The trace id of a request's `scheduled` status, so that the statuses tracker
-- publishes for it (completed, updated counts) carry it on like every other hop.
ALTER TABLE tracker.requests ADD COLUMN IF NOT EXISTS trace_id text NOT NULL DEFAULT '';
