-- Issue 21 item 6: frequency caps count the channel a send really used.
-- A released capped send remembers the channel scope its cap usage is counted on and the
-- recipient's day of the release; its outcome moves the count to the channel used and
-- sets cap_channel to it, so a redelivered outcome moves nothing. NULL: not capped.
ALTER TABLE scheduler.released
    ADD COLUMN cap_channel text,
    ADD COLUMN cap_day     date;
