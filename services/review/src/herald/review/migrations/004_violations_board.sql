-- Issue 18: the violations board names a requester's department (that of their latest
-- reviewed request).
CREATE INDEX decisions_by_requester ON review.decisions (tenant, requester, created_at DESC);
