-- Access tokens every replica shares (WeChat revokes the previous token when a new one
-- is fetched): one row per vendor account, refreshed under an advisory lock.
CREATE TABLE dispatcher.vendor_tokens (
    key          text        PRIMARY KEY,
    token        text        NOT NULL,
    expires_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- The vendor's id of a sent message -> its delivery, for receipts that carry only the
-- vendor's id (Tencent Cloud SMS `sid`). Old rows are of no use after receipts stop.
CREATE TABLE dispatcher.vendor_refs (
    provider     text        NOT NULL,
    ref          text        NOT NULL,
    delivery_id  text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, ref)
);
CREATE INDEX vendor_refs_age ON dispatcher.vendor_refs (created_at);

-- Replies recipients sent (SMS MO), once each (`key` hashes the reply), with whether
-- the reply was an opt-out keyword. Read by the consent flow.
CREATE TABLE dispatcher.replies (
    key          text        PRIMARY KEY,
    tenant       text        NOT NULL,
    provider     text        NOT NULL,
    phone        text        NOT NULL,
    text         text        NOT NULL,
    opt_out      boolean     NOT NULL,
    at           timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX replies_by_phone ON dispatcher.replies (tenant, phone, at DESC);
