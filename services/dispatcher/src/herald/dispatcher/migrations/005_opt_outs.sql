-- Opt-outs recipients made through Herald itself (issue 19): the one-click link in a
-- marketing message, the preference centre, an SMS reply (回T, STOP ...). They narrow the
-- consent view and outlive any later profile on push.recipients.v1. A row is an opt-out;
-- opting back in (preference centre) deletes it. channel '*': every channel.
CREATE TABLE dispatcher.opt_outs (
    tenant       text        NOT NULL,
    recipient_id text        NOT NULL,
    category     text        NOT NULL,
    channel      text        NOT NULL,
    source       text        NOT NULL,
    at           timestamptz NOT NULL,
    PRIMARY KEY (tenant, recipient_id, category, channel)
);

-- Every change, who/what/when/how: one row per change applied (a repeat that changes
-- nothing is not a change). evidence: the message (link), or the reply and provider.
CREATE TABLE dispatcher.consent_audit (
    event_id     text        PRIMARY KEY,
    tenant       text        NOT NULL,
    recipient_id text        NOT NULL,
    category     text        NOT NULL,
    channel      text        NOT NULL,
    allowed      boolean     NOT NULL,
    source       text        NOT NULL,
    evidence     text        NOT NULL DEFAULT '',
    delivery_id  text,
    at           timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_audit_by_recipient ON dispatcher.consent_audit (tenant, recipient_id, at DESC);

-- A keyed hash of the profile's phone number (HMAC, never the number), so an SMS reply
-- finds the recipients it speaks for.
ALTER TABLE dispatcher.consent ADD COLUMN phone_key text;
CREATE INDEX consent_by_phone ON dispatcher.consent (tenant, phone_key) WHERE phone_key IS NOT NULL;

-- Numbers that replied an opt-out keyword, by keyed hash: a profile that arrives later
-- with one of them is opted out too (the number said no, whoever holds it in a profile).
CREATE TABLE dispatcher.number_opt_outs (
    tenant       text        NOT NULL,
    phone_key    text        NOT NULL,
    provider     text        NOT NULL,
    at           timestamptz NOT NULL,
    PRIMARY KEY (tenant, phone_key)
);
