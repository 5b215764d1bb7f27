-- Issue 5: streaming expansion, cancels, pacing lanes, frequency caps, engagement hours.

-- Plans: a cancel may arrive before the request (no envelope yet); streaming resumes
-- from `cursor` (the last recipient id expanded) after a crash.
-- state: cancel_requested | expanding | streaming | scheduled | cancelled
ALTER TABLE scheduler.plans ALTER COLUMN envelope DROP NOT NULL;
ALTER TABLE scheduler.plans
    ADD COLUMN cursor         text,
    ADD COLUMN expanded       integer NOT NULL DEFAULT 0,
    ADD COLUMN suppressed_by  jsonb   NOT NULL DEFAULT '{}',
    ADD COLUMN complete       boolean NOT NULL DEFAULT false;  -- every recipient expanded
UPDATE scheduler.plans SET complete = true WHERE state = 'scheduled';

-- Timers carry the category (caps), the channel they are paced on and why they moved.
ALTER TABLE scheduler.timers
    ADD COLUMN category  text   NOT NULL DEFAULT 'notification',
    ADD COLUMN lane      text   NOT NULL DEFAULT '',
    ADD COLUMN deferred  text[] NOT NULL DEFAULT '{}';
CREATE INDEX timers_lane ON scheduler.timers (tenant, lane, priority DESC, due_at) WHERE ready;
CREATE INDEX timers_expiry ON scheduler.timers (expires_at) WHERE ready AND expires_at IS NOT NULL;
CREATE INDEX recipients_id ON scheduler.recipients (recipient_id);

-- Pacing: one token bucket per (tenant, channel); rate NULL means unpaced.
CREATE TABLE scheduler.lanes (
    tenant       text             NOT NULL,
    lane         text             NOT NULL,
    rate         double precision,
    tokens       double precision NOT NULL DEFAULT 0,
    refilled_at  timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, lane)
);
INSERT INTO scheduler.lanes (tenant, lane) SELECT DISTINCT tenant, lane FROM scheduler.timers;

-- Frequency caps: per recipient and scope ('*' or a channel), the day (recipient's own
-- calendar) and count of sends on it, and the last send. Locked while a release decides.
CREATE TABLE scheduler.caps (
    tenant        text        NOT NULL,
    recipient_id  text        NOT NULL,
    scope         text        NOT NULL,
    day           date,
    sent          integer     NOT NULL DEFAULT 0,
    last_at       timestamptz,
    PRIMARY KEY (tenant, recipient_id, scope)
);

-- Which recipient a released delivery went to (engagement is keyed by delivery id).
CREATE TABLE scheduler.released (
    delivery_id   text        PRIMARY KEY,
    tenant        text        NOT NULL,
    recipient_id  text        NOT NULL,
    released_at   timestamptz NOT NULL
);
CREATE INDEX released_time ON scheduler.released (released_at);
CREATE INDEX released_recipient ON scheduler.released (recipient_id);

-- Engagement events (once each) of our deliveries, for send-time optimisation.
CREATE TABLE scheduler.engagement (
    event_id      text        PRIMARY KEY,
    tenant        text        NOT NULL,
    recipient_id  text        NOT NULL,
    at            timestamptz NOT NULL
);
CREATE INDEX engagement_recipient ON scheduler.engagement (tenant, recipient_id, at);
CREATE INDEX engagement_time ON scheduler.engagement (at);
