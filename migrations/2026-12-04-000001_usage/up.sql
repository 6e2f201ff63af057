-- Usage insight (SPEC §9). API calls are counted in memory by each instance and added
-- here in batches (one statement per batch, summed on conflict), so several instances
-- add up and no API call writes to the database. Rows older than USAGE_RETENTION_DAYS
-- are pruned by a job that runs on one instance at a time.

-- Calls per token, UTC hour, endpoint, scope used and outcome.
CREATE TABLE usage_hourly (
    token_id uuid NOT NULL REFERENCES integration_tokens (id) ON DELETE CASCADE,
    integration_id uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    hour timestamptz NOT NULL CHECK (date_trunc('hour', hour, 'UTC') = hour),
    -- "GET /locations/{locationId}": the route, never the path with its ids.
    endpoint text NOT NULL CHECK (length(endpoint) BETWEEN 1 AND 200),
    -- The scope the call was granted by; '' when none was checked (token-info, refusals).
    scope text NOT NULL CHECK (length(scope) <= 200),
    outcome text NOT NULL CHECK (outcome IN ('success', 'denied', 'rate_limited', 'failed')),
    requests bigint NOT NULL CHECK (requests > 0),
    PRIMARY KEY (token_id, hour, endpoint, scope, outcome)
);

-- The integration page and the list page read by integration and time.
CREATE INDEX usage_hourly_by_integration ON usage_hourly (integration_id, hour);
-- Pruning reads by time.
CREATE INDEX usage_hourly_by_hour ON usage_hourly (hour);

-- Calls per integration, UTC day and outcome, added in the same transaction as the hourly
-- counts: the list page's 7 days and the daily chart read a few of these rows instead of
-- summing hourly ones.
CREATE TABLE usage_daily (
    integration_id uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    day date NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('success', 'denied', 'rate_limited', 'failed')),
    requests bigint NOT NULL CHECK (requests > 0),
    PRIMARY KEY (integration_id, day, outcome)
);
-- No index by day: the list page joins an owner's integrations to their days through the
-- primary key, and PostgreSQL would otherwise scan every tenant's recent days. Pruning
-- reads the whole table, every ten minutes.

-- The client addresses each token was used from.
CREATE TABLE usage_addresses (
    token_id uuid NOT NULL REFERENCES integration_tokens (id) ON DELETE CASCADE,
    integration_id uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    ip text NOT NULL CHECK (length(ip) BETWEEN 1 AND 64),
    first_seen timestamptz NOT NULL,
    last_seen timestamptz NOT NULL CHECK (last_seen >= first_seen),
    requests bigint NOT NULL CHECK (requests > 0),
    PRIMARY KEY (token_id, ip)
);

CREATE INDEX usage_addresses_by_integration ON usage_addresses (integration_id, last_seen DESC);
CREATE INDEX usage_addresses_by_last_seen ON usage_addresses (last_seen);
