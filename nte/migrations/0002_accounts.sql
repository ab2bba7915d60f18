-- Who may see and change what: accounts, sessions, API tokens, login throttling, the audit trail.

CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           text NOT NULL CHECK (email = lower(btrim(email)) AND email LIKE '%_@_%'),
    display_name    text NOT NULL DEFAULT '',
    role            text NOT NULL CHECK (role IN ('admin', 'officer', 'partner', 'venue_manager')),
    -- NULL until an invited person sets a password.
    password_hash   text,
    disabled        boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);

-- The venues a venue manager manages: their whole world in this product.
CREATE TABLE user_venues (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    venue_id    bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, venue_id)
);
CREATE INDEX user_venues_venue_idx ON user_venues (venue_id);

-- Server-side sessions, shared by every process. Only a hash of the cookie is kept.
CREATE TABLE sessions (
    token_hash      bytea PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_tokens (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash      bytea NOT NULL UNIQUE,
    label           text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    revoked_at      timestamptz
);

-- Single-use links sent by e-mail: invitations and password resets.
CREATE TABLE email_tokens (
    token_hash      bytea PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose         text NOT NULL CHECK (purpose IN ('invite', 'reset')),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);

-- Failed logins, by account and by client address, for throttling.
CREATE TABLE login_failures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       text NOT NULL,
    client      text NOT NULL,
    failed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email_idx ON login_failures (email, failed_at);
CREATE INDEX login_failures_client_idx ON login_failures (client, failed_at);

-- Facts about this database itself (e.g. that `nte demo` made it).
CREATE TABLE app_meta (
    key     text PRIMARY KEY,
    value   jsonb NOT NULL
);

-- The audit trail: evidence in licence hearings, so history cannot be rewritten.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint,
    actor       text NOT NULL,
    action      text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    table_name  text NOT NULL,
    record_id   bigint,
    venue_id    bigint,
    before      jsonb,
    after       jsonb,
    request_id  text
);
CREATE INDEX audit_log_venue_idx ON audit_log (venue_id, at DESC);
CREATE INDEX audit_log_record_idx ON audit_log (table_name, record_id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- One trigger writes the audit row for every audited table, in the same transaction as the
-- change, so no code path can forget it. The request sets nte.actor_id, nte.actor and
-- nte.request_id with set_config(..., true); columns named in the trigger's arguments
-- (secrets) are left out of before/after.
CREATE FUNCTION audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END;
    hidden text;
    row_ jsonb;
BEGIN
    IF TG_NARGS > 0 THEN
        FOREACH hidden IN ARRAY TG_ARGV LOOP
            old_row := old_row - hidden;
            new_row := new_row - hidden;
        END LOOP;
    END IF;
    IF TG_OP = 'UPDATE' AND (old_row - 'updated_at') = (new_row - 'updated_at') THEN
        RETURN NEW;  -- nothing a person would call a change
    END IF;
    row_ := coalesce(new_row, old_row);
    INSERT INTO audit_log (actor_id, actor, action, table_name, record_id, venue_id,
                           before, after, request_id)
    VALUES (
        nullif(current_setting('nte.actor_id', true), '')::bigint,
        coalesce(nullif(current_setting('nte.actor', true), ''), 'system'),
        CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
        TG_TABLE_NAME,
        (row_ ->> 'id')::bigint,
        CASE WHEN TG_TABLE_NAME = 'venues' THEN (row_ ->> 'id')::bigint
             ELSE (row_ ->> 'venue_id')::bigint END,
        old_row,
        new_row,
        nullif(current_setting('nte.request_id', true), '')
    );
    RETURN coalesce(NEW, OLD);
END $$;

CREATE TRIGGER venues_audit AFTER INSERT OR UPDATE OR DELETE ON venues
    FOR EACH ROW EXECUTE FUNCTION audit_change();
CREATE TRIGGER conditions_audit AFTER INSERT OR UPDATE OR DELETE ON conditions
    FOR EACH ROW EXECUTE FUNCTION audit_change();
CREATE TRIGGER users_audit AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION audit_change('password_hash');
CREATE TRIGGER api_tokens_audit AFTER INSERT OR UPDATE OR DELETE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION audit_change('token_hash', 'last_used_at');
CREATE TRIGGER user_venues_audit AFTER INSERT OR UPDATE OR DELETE ON user_venues
    FOR EACH ROW EXECUTE FUNCTION audit_change();
