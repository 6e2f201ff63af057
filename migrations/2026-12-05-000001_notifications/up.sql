-- Notifications and signed webhooks (SPEC §10).

-- What happened, once: the outbox. A change writes its event in the transaction that
-- makes it, together with the notifications of the people concerned and the deliveries
-- to the endpoints that subscribe to it; nothing is sent from inside a transaction.
CREATE TABLE events (
    id uuid PRIMARY KEY,
    agency_id uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    sub_account_id uuid REFERENCES sub_accounts (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind ~ '^[a-z_]+\.[a-z_]+$'),
    -- The integration it concerns (kept after the integration is deleted).
    integration_id uuid,
    -- The webhook body's `data`.
    data jsonb NOT NULL,
    occurred_at timestamptz NOT NULL,
    -- Time-based events: at most one event per key, whichever instance finds it first.
    once_key text UNIQUE
);

CREATE INDEX events_by_time ON events (occurred_at);

-- Per person: the bell, the Notifications page, and the email outbox.
CREATE TABLE notifications (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    read_at timestamptz,
    -- 'none' when no email is due (no SMTP_URL, or the person turned email off).
    email text NOT NULL CHECK (email IN ('none', 'pending', 'sent', 'failed')),
    email_attempts integer NOT NULL DEFAULT 0 CHECK (email_attempts >= 0),
    email_next_at timestamptz,
    email_leased_until timestamptz,
    PRIMARY KEY (user_id, event_id)
);

CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_by_event ON notifications (event_id);
CREATE INDEX notifications_email_due ON notifications (email_next_at) WHERE email = 'pending';

ALTER TABLE users ADD COLUMN email_notifications boolean NOT NULL DEFAULT true;

-- Where an agency or a sub-account wants its events sent.
CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY,
    agency_id uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    sub_account_id uuid REFERENCES sub_accounts (id) ON DELETE CASCADE,
    url text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    events text[] NOT NULL CHECK (cardinality(events) > 0),
    -- The signing secret, sealed with a key derived from SECRET_KEY.
    secret_nonce bytea NOT NULL,
    secret_sealed bytea NOT NULL,
    -- The secret before the last rotation, which keeps signing alongside until then.
    previous_nonce bytea,
    previous_sealed bytea,
    previous_until timestamptz,
    CHECK ((previous_sealed IS NULL) = (previous_until IS NULL)),
    -- The person who may see the new secret once, and until when.
    secret_shown_to uuid REFERENCES users (id) ON DELETE SET NULL,
    secret_shown_until timestamptz,
    disabled_at timestamptz,
    disabled_reason text CHECK (disabled_reason IN ('manual', 'failing')),
    CHECK ((disabled_at IS NULL) = (disabled_reason IS NULL)),
    -- Since when every attempt has failed; cleared by a success.
    failing_since timestamptz,
    created_at timestamptz NOT NULL,
    created_by_label text NOT NULL
);

CREATE INDEX webhook_endpoints_by_owner ON webhook_endpoints (agency_id, sub_account_id);

-- One event to one endpoint: delivered once across instances (a worker leases due rows
-- with FOR UPDATE SKIP LOCKED), retried with back-off until it succeeds or gives up.
CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY,
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    leased_until timestamptz,
    created_at timestamptz NOT NULL,
    UNIQUE (endpoint_id, event_id)
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id);

-- Every attempt, for the endpoint's delivery log.
CREATE TABLE webhook_attempts (
    id uuid PRIMARY KEY,
    delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    attempt integer NOT NULL CHECK (attempt > 0),
    attempted_at timestamptz NOT NULL,
    -- The HTTP status, or none when there was no answer (see `error`).
    status integer,
    error text,
    -- The start of the response body, 1 KB at most.
    response text CHECK (octet_length(response) <= 1024),
    duration_ms integer NOT NULL CHECK (duration_ms >= 0)
);

CREATE INDEX webhook_attempts_by_endpoint ON webhook_attempts (endpoint_id, attempted_at DESC);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id);
