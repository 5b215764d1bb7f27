-- Issue 14: who submitted a request is who its credential says (never the body).
-- `requester` and `department` now hold the submitter's user and department; rows from
-- before keep the body's. `credential` is the API key id (http) or producer id (kafka).
ALTER TABLE intake.requests ADD COLUMN credential text NOT NULL DEFAULT '';
