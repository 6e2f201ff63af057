DROP INDEX audit_events_actor_idx;
DROP INDEX audit_events_sub_account_page_idx;
DROP INDEX audit_events_agency_page_idx;
CREATE INDEX audit_events_agency_idx ON audit_events (agency_id, occurred_at DESC);
DROP INDEX setup_links_created_idx;
DROP TABLE installation_secrets;
DROP TABLE sign_in_attempts;
CREATE TABLE sign_in_failures (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    ip text NOT NULL,
    attempted_at timestamptz NOT NULL
);
CREATE INDEX sign_in_failures_email_idx ON sign_in_failures (email, attempted_at);
CREATE INDEX sign_in_failures_ip_idx ON sign_in_failures (ip, attempted_at);
DROP TABLE token_reveals;
