DROP TABLE audit_events;
DROP TABLE setup_links;
DROP TABLE sign_in_failures;
DROP TABLE sessions;
DROP TABLE sub_account_memberships;
DROP TABLE users;
DROP TABLE sub_accounts;
DROP TABLE agencies;
