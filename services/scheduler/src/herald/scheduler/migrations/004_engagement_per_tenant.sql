-- Issue 21 item 2: engagement event ids are unique per tenant (contract), not across the
-- deployment: keyed by event id alone, another tenant's event could take a real event's
-- id first and the real one was dropped (ON CONFLICT DO NOTHING).
ALTER TABLE scheduler.engagement DROP CONSTRAINT engagement_pkey;
ALTER TABLE scheduler.engagement ADD PRIMARY KEY (tenant, event_id);
