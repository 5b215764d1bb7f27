-- Issue 14: engagement only the tenant can write.
-- Each event is credited to a tenant (the one it claims, or for Herald's own reports the
-- delivery's; NULL: Herald's own report of a delivery not known yet), and counts only
-- for deliveries of that tenant. Rows from before were all Herald's or trusted: NULL.
-- Event ids are unique per tenant, so that another tenant cannot take a real event's id
-- first; the ids kept so far get their delivery's tenant ('' when it is unknown).
ALTER TABLE tracker.engagement ADD COLUMN tenant text;

ALTER TABLE tracker.engagement_ids ADD COLUMN tenant text NOT NULL DEFAULT '';
UPDATE tracker.engagement_ids i SET tenant = d.tenant
FROM tracker.engagement e JOIN tracker.deliveries d USING (delivery_id)
WHERE e.event_id = i.event_id;
ALTER TABLE tracker.engagement_ids DROP CONSTRAINT engagement_ids_pkey;
ALTER TABLE tracker.engagement_ids ADD PRIMARY KEY (tenant, event_id);
