-- The one mail outbox: every mail the service sends is a row here, written in the same
-- transaction as what caused it, and drained by a sender that claims rows with
-- FOR UPDATE SKIP LOCKED. `key` says what the mail is ("digest:12:2026-W48"), so the same
-- mail can never be queued twice; the Message-ID inside `message` is made from it too.

CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key             text NOT NULL UNIQUE,
    kind            text NOT NULL,
    recipient       text NOT NULL,
    subject         text NOT NULL,
    -- The whole message as it goes on the wire (headers, text and HTML parts), built once:
    -- a retry or a resend after a crash sends exactly the same bytes and Message-ID.
    message         bytea NOT NULL,
    status          text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- The server's answer (or the connection error) of the last attempt that did not succeed.
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX outbox_waiting_idx ON outbox (id) WHERE status = 'waiting';
CREATE INDEX outbox_created_idx ON outbox (created_at DESC, id DESC);

-- Wake the drainers when mail is queued. Statement-level and delivered at commit, so a batch
-- of two thousand digests costs one notification, and a rolled-back mail none.
CREATE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('nte_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox();
