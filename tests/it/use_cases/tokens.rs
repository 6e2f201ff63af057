use private_integrations::app::tokens::{self, Rejected};

use super::Harness;
use crate::support::new_token;

#[tokio::test]
async fn malformed_tokens_cost_no_lookup_and_unknown_ones_one() {
    let harness = Harness::new();
    let app = &harness.app;
    assert!(matches!(tokens::verify(app, "pit-nope").await, Err(Rejected::Malformed)));
    let unknown = new_token();
    assert!(matches!(tokens::verify(app, unknown.expose()).await, Err(Rejected::Invalid)));
    assert!(matches!(tokens::verify(app, unknown.expose()).await, Err(Rejected::Invalid)));
    let metrics = app.metrics.render();
    assert!(metrics.contains("pi_token_cache_lookups_total{result=\"miss\"} 1"), "{metrics}");
    assert!(metrics.contains("pi_token_cache_lookups_total{result=\"hit\"} 1"), "{metrics}");
}

/// One line of `EXPLAIN`'s answer.
#[derive(diesel::QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
    line: String,
}

/// A batch of cold lookups probes the unique index on the digest, whatever plan PostgreSQL
/// would pick for a join of two small tables: with `digest = ANY($1)` it scanned and hashed
/// both at a thousand tokens, three to six times slower than the probes.
#[test]
fn a_batch_of_cold_lookups_probes_the_digest_index_on_a_small_table() {
    use diesel::RunQueryDsl as _;
    let harness = Harness::new();
    let mut conn = harness.db.conn();
    diesel::sql_query(format!(
        "WITH made AS (
           INSERT INTO integrations (id, agency_id, name, scopes, created_by_label, created_at, updated_at)
           SELECT gen_random_uuid(), '{}', 'Filler ' || n, '{{locations.readonly}}', 'test', now(), now()
           FROM generate_series(1, 1000) AS n RETURNING id)
         INSERT INTO integration_tokens (id, integration_id, digest, last4, state, created_at)
         SELECT gen_random_uuid(), id, sha256(id::text::bytea), 'abcd', 'current', now() FROM made",
        harness.world.agency
    ))
    .execute(&mut conn)
    .expect("filler");
    diesel::sql_query("ANALYZE integrations, integration_tokens").execute(&mut conn).expect("analyze");
    let statement = private_integrations::db::integrations::find_by_any_digest_statement();
    diesel::sql_query(format!("PREPARE lookups (bytea[]) AS {statement}"))
        .execute(&mut conn)
        .expect("prepare");
    let digests =
        "(SELECT array_agg(digest) FROM (SELECT digest FROM integration_tokens LIMIT 16) AS sample)";
    for mode in ["force_generic_plan", "force_custom_plan"] {
        diesel::sql_query(format!("SET plan_cache_mode = {mode}")).execute(&mut conn).expect("mode");
        // EXECUTE takes no subquery: the digests go in as a literal.
        let literal: Vec<PlanLine> = diesel::sql_query(format!("SELECT {digests}::text AS \"QUERY PLAN\""))
            .load(&mut conn)
            .expect("digests");
        let plan: Vec<PlanLine> =
            diesel::sql_query(format!("EXPLAIN EXECUTE lookups ('{}')", literal[0].line))
                .load(&mut conn)
                .expect("explain");
        let plan = plan.into_iter().map(|line| line.line).collect::<Vec<_>>().join("\n");
        assert!(plan.contains("Index Scan using integration_tokens_digest_key"), "{mode}:\n{plan}");
        assert!(!plan.contains("Seq Scan"), "{mode}:\n{plan}");
    }
}
