-- Issue 18: recipient attributes (a string map) for placeholders and segments.
ALTER TABLE scheduler.recipients ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}';
CREATE INDEX recipients_attributes ON scheduler.recipients USING gin (attributes jsonb_path_ops);
