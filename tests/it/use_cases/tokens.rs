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
