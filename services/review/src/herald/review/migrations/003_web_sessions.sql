-- Review console sessions, kept server-side (herald.runtime.websessions): the cookie
-- holds only a random id; the row, found by its hash, names the key by id and hash.
-- deliberate declaration: the same columns as intake.web_sessions (the shape
-- herald.runtime.websessions stores), declared here because a service's migrations are
-- self-contained and run as they ran.
CREATE TABLE review.web_sessions (
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
CREATE INDEX web_sessions_last_seen ON review.web_sessions (last_seen);
CREATE INDEX web_sessions_created_at ON review.web_sessions (created_at);
