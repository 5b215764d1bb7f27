-- Issue 17 item 3: every timer is inserted once per recipient, and each index on the
-- table is one more write per recipient. `timers_due` (priority, due_at) served the
-- release before releases went lane by lane; claims now use `timers_lane`, expiry
-- `timers_expiry`, cancels `timers_request`, and the gauge's overdue scan (`pending`)
-- reads every ready row either way.
DROP INDEX IF EXISTS scheduler.timers_due;
