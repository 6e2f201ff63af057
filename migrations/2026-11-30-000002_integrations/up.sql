-- Private integrations and their tokens (SPEC §3).

CREATE TABLE integrations (
    id uuid PRIMARY KEY,
    agency_id uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    -- Set for a sub-account's integration; NULL for the agency's own.
    sub_account_id uuid,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
    scopes text[] NOT NULL CHECK (cardinality(scopes) >= 1 AND array_position(scopes, NULL) IS NULL),
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_by_label text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- Deleted integrations are kept (their tokens revoked) so history stays readable.
    deleted_at timestamptz,
    -- A sub-account's integration belongs to that sub-account's agency.
    FOREIGN KEY (sub_account_id, agency_id) REFERENCES sub_accounts (id, agency_id) ON DELETE CASCADE
);
CREATE INDEX integrations_owner_idx ON integrations (agency_id, sub_account_id, created_at)
    WHERE deleted_at IS NULL;

CREATE TABLE integration_tokens (
    id uuid PRIMARY KEY,
    integration_id uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    -- HMAC-SHA256 (or SHA-256) of the token; the token itself is never stored.
    digest bytea NOT NULL UNIQUE CHECK (octet_length(digest) = 32),
    last4 text NOT NULL CHECK (char_length(last4) = 4),
    state text NOT NULL CHECK (state IN ('current', 'expiring', 'revoked')),
    created_at timestamptz NOT NULL,
    -- When an expiring token stops working; checked at use time.
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz,
    last_used_ip text,
    CHECK ((state = 'revoked') = (revoked_at IS NOT NULL)),
    CHECK (state <> 'expiring' OR expires_at IS NOT NULL),
    CHECK (state <> 'current' OR expires_at IS NULL)
);
-- At most one current and one expiring token per integration, whatever the races.
CREATE UNIQUE INDEX integration_tokens_one_current ON integration_tokens (integration_id)
    WHERE state = 'current';
CREATE UNIQUE INDEX integration_tokens_one_expiring ON integration_tokens (integration_id)
    WHERE state = 'expiring';
