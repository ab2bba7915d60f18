-- The weekly digest: who wants it, and the one-click unsubscribe links it carries.

ALTER TABLE users
    ADD COLUMN digest_subscribed boolean NOT NULL DEFAULT true,
    -- A week with nothing for a person still sends a short "nothing needs you" note, unless
    -- they turned that off.
    ADD COLUMN digest_when_empty boolean NOT NULL DEFAULT true;

-- One link per digest sent (RFC 8058 one-click). Only a hash is kept; a link works once, so
-- an old mail's link cannot undo a later "subscribe again".
CREATE TABLE digest_unsubscribe_tokens (
    token_hash  bytea PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    week        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    used_at     timestamptz
);
CREATE INDEX digest_unsubscribe_tokens_user_idx ON digest_unsubscribe_tokens (user_id);
