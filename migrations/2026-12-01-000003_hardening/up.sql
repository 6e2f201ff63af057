-- Hardening: one-time reveals that are really one-time, sign-in attempts that take their
-- slot before the password is checked, and the installation's own cookie-signing key.

-- A newly issued token awaiting its one reveal, sealed (AES-256-GCM) with a key derived
-- from SECRET_KEY. Taken with DELETE … RETURNING, so exactly one request ever sees it.
CREATE TABLE token_reveals (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    integration_id uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    nonce bytea NOT NULL CHECK (octet_length(nonce) = 12),
    sealed bytea NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX token_reveals_expires_idx ON token_reveals (expires_at);

-- Sign-in attempts replace failures: an attempt is recorded (pending) before its
-- password is checked, so parallel attempts cannot all slip under a limit.
DROP TABLE sign_in_failures;
CREATE TABLE sign_in_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    ip text NOT NULL,
    attempted_at timestamptz NOT NULL,
    -- false while the password is being checked; true once it proved wrong.
    failed boolean NOT NULL DEFAULT false
);
CREATE INDEX sign_in_attempts_email_idx ON sign_in_attempts (email, attempted_at);
CREATE INDEX sign_in_attempts_ip_idx ON sign_in_attempts (ip, attempted_at);

-- Secrets the installation makes for itself, once (the session cookie's signing key), so
-- that rotating SECRET_KEY never signs everyone out.
CREATE TABLE installation_secrets (
    name text PRIMARY KEY CHECK (name ~ '^[a-z_]+$'),
    value bytea NOT NULL CHECK (octet_length(value) >= 32),
    created_at timestamptz NOT NULL
);

-- A setup link expires 24 hours after it was printed.
CREATE INDEX setup_links_created_idx ON setup_links (created_at);

-- The audit log is read a page at a time, newest first, by agency or by sub-account.
DROP INDEX audit_events_agency_idx;
CREATE INDEX audit_events_agency_page_idx ON audit_events (agency_id, occurred_at DESC, id DESC);
CREATE INDEX audit_events_sub_account_page_idx ON audit_events (sub_account_id, occurred_at DESC, id DESC)
    WHERE sub_account_id IS NOT NULL;
CREATE INDEX audit_events_actor_idx ON audit_events (actor_user_id) WHERE actor_user_id IS NOT NULL;
