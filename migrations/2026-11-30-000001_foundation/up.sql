-- Tenancy, people, sessions and the audit trail: the foundation every capability builds on.

CREATE TABLE agencies (
    id uuid PRIMARY KEY,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    labs_private_integrations boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL
);

CREATE TABLE sub_accounts (
    id uuid PRIMARY KEY,
    agency_id uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    labs_private_integrations boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    -- Lets memberships prove that user and sub-account share an agency.
    UNIQUE (id, agency_id)
);
CREATE INDEX sub_accounts_agency_idx ON sub_accounts (agency_id, name);

CREATE TABLE users (
    id uuid PRIMARY KEY,
    agency_id uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    email text NOT NULL CHECK (email = lower(email) AND char_length(email) BETWEEN 3 AND 254),
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    role text NOT NULL
        CHECK (role IN ('agency_admin', 'agency_user', 'account_admin', 'account_user')),
    -- NULL until a password is set: such a user cannot sign in.
    password_hash text,
    active boolean NOT NULL DEFAULT true,
    manage_agency_integrations boolean NOT NULL DEFAULT false,
    manage_sub_account_integrations boolean NOT NULL DEFAULT false,
    manage_team boolean NOT NULL DEFAULT false,
    manage_integrations boolean NOT NULL DEFAULT false,
    manage_staff boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    UNIQUE (email),
    UNIQUE (id, agency_id),
    -- Each permission belongs to one role; other roles can never hold it.
    CONSTRAINT agency_admin_permissions CHECK (
        role = 'agency_admin'
        OR NOT (manage_agency_integrations OR manage_sub_account_integrations OR manage_team)
    ),
    CONSTRAINT account_admin_permissions CHECK (
        role = 'account_admin' OR NOT (manage_integrations OR manage_staff)
    )
);
CREATE INDEX users_agency_idx ON users (agency_id, name);

CREATE TABLE sub_account_memberships (
    user_id uuid NOT NULL,
    sub_account_id uuid NOT NULL,
    agency_id uuid NOT NULL,
    PRIMARY KEY (user_id, sub_account_id),
    FOREIGN KEY (user_id, agency_id) REFERENCES users (id, agency_id) ON DELETE CASCADE,
    FOREIGN KEY (sub_account_id, agency_id) REFERENCES sub_accounts (id, agency_id) ON DELETE CASCADE
);
CREATE INDEX sub_account_memberships_sub_account_idx ON sub_account_memberships (sub_account_id);

-- Server-side sessions (actix-session store). The cookie carries the key; only its
-- SHA-256 digest is stored, so a database read does not yield live sessions.
CREATE TABLE sessions (
    key_digest bytea PRIMARY KEY CHECK (octet_length(key_digest) = 32),
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    state jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Failed sign-ins, for throttling per account and per IP address.
CREATE TABLE sign_in_failures (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    ip text NOT NULL,
    attempted_at timestamptz NOT NULL
);
CREATE INDEX sign_in_failures_email_idx ON sign_in_failures (email, attempted_at);
CREATE INDEX sign_in_failures_ip_idx ON sign_in_failures (ip, attempted_at);

-- The one-time setup link printed on an empty database; only the digest is stored.
CREATE TABLE setup_links (
    token_digest bytea PRIMARY KEY CHECK (octet_length(token_digest) = 32),
    created_at timestamptz NOT NULL
);

-- Who did what, when, from where. Rows outlive the objects they describe, so they keep
-- labels rather than foreign keys to them.
CREATE TABLE audit_events (
    id uuid PRIMARY KEY,
    agency_id uuid REFERENCES agencies (id) ON DELETE CASCADE,
    sub_account_id uuid REFERENCES sub_accounts (id) ON DELETE SET NULL,
    actor_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    actor_label text NOT NULL,
    action text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)*$'),
    target_id uuid,
    target_label text,
    ip text,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX audit_events_agency_idx ON audit_events (agency_id, occurred_at DESC);
CREATE INDEX audit_events_target_idx ON audit_events (target_id) WHERE target_id IS NOT NULL;
