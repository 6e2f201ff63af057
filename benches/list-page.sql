-- The list page's 200 integrations, for benches/run and benches/instructions: 199 more of
-- the agency :'agency' (which has one already), each with its current token, and thirty
-- days of usage for each (three endpoints every hour, and their daily sums), so that the
-- page's 7-day counts read what a busy agency has. Run with
--   psql -v ON_ERROR_STOP=1 -v agency=UUID -v usage=true|false -f benches/list-page.sql
-- (usage=false for a build from before usage was counted, which has no such tables).
WITH made AS (
    INSERT INTO integrations (id, agency_id, name, description, scopes, created_by_label, created_at, updated_at)
    SELECT gen_random_uuid(), :'agency', 'Integration ' || n, 'Syncs contacts with system ' || n,
           '{locations.readonly,users.readonly,contacts.readonly}', 'Bench', now() - n * interval '1 hour', now()
    FROM generate_series(1, 199) AS n
    RETURNING id, created_at)
INSERT INTO integration_tokens (id, integration_id, digest, last4, state, created_at)
SELECT gen_random_uuid(), id, sha256(id::text::bytea), 'wxyz', 'current', created_at FROM made;

\if :usage
INSERT INTO usage_hourly (token_id, integration_id, hour, endpoint, scope, outcome, requests)
SELECT t.id, t.integration_id, date_trunc('hour', now(), 'UTC') - h * interval '1 hour', e, 'users.readonly',
       'success', 1 + (h % 7)
FROM integration_tokens t JOIN integrations i ON i.id = t.integration_id AND i.agency_id = :'agency',
     generate_series(0, 719) AS h,
     unnest(ARRAY['GET /v2/users', 'GET /v2/locations/{locationId}', 'POST /v2/contacts']) AS e;
INSERT INTO usage_daily (integration_id, day, outcome, requests)
SELECT integration_id, (hour AT TIME ZONE 'UTC')::date, outcome, sum(requests)
FROM usage_hourly GROUP BY 1, 2, 3;
ANALYZE usage_hourly;
ANALYZE usage_daily;
\endif
