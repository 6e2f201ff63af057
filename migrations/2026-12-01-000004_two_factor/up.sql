-- Two-factor authentication (TOTP, RFC 6238) and the agency policy that requires it.

-- A person's TOTP secret, sealed (AES-256-GCM) with a key derived from SECRET_KEY: a copy
-- of the database alone does not yield it. `enabled_at` is NULL while set-up awaits its
-- first code; `last_step` is the time step of the last code accepted, so that a code
-- works once.
CREATE TABLE two_factor (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    nonce bytea NOT NULL CHECK (octet_length(nonce) = 12),
    sealed bytea NOT NULL,
    enabled_at timestamptz,
    last_step bigint,
    created_at timestamptz NOT NULL
);

-- Single-use recovery codes, stored as keyed digests.
CREATE TABLE recovery_codes (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest bytea NOT NULL CHECK (octet_length(digest) = 32),
    used_at timestamptz,
    UNIQUE (user_id, digest)
);
CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id) WHERE used_at IS NULL;

-- Settings > Security: "Require two-factor authentication" for everyone of the agency.
ALTER TABLE agencies ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false;
