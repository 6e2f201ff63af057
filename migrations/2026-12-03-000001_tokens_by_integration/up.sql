-- An integration's tokens, newest first: the list page (every integration of an owner at
-- once) and the integration page read them by integration. Without this index both
-- scanned every token of every tenant (the partial unique indexes cover only the current
-- and the expiring token).
CREATE INDEX integration_tokens_by_integration ON integration_tokens (integration_id, created_at DESC);
