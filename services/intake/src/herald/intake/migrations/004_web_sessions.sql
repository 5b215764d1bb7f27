-- The portal's sessions, kept server-side (herald.runtime.websessions): the cookie holds
-- only a random id; the row, found by its hash, names the key by id and hash, and keeps
-- the key only sealed, to ask review, the scheduler and tracker as the user.
-- deliberate declaration: the same columns as review.web_sessions (the shape
-- herald.runtime.websessions stores), declared here because a service's migrations are
-- self-contained and run as they ran.
CREATE TABLE intake.web_sessions (
    id_sha256   text        PRIMARY KEY,
    realm       text        NOT NULL,
    key_id      text        NOT NULL,
    tenant      text        NOT NULL,
    role        text        NOT NULL,
    user_name   text        NOT NULL,
    department  text,
    key_sha256  text        NOT NULL,
    sealed_key  bytea,
    created_at  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL
);
CREATE INDEX web_sessions_last_seen ON intake.web_sessions (last_seen);
CREATE INDEX web_sessions_created_at ON intake.web_sessions (created_at);
