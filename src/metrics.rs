//! Prometheus metrics (text exposition format, served at `GET /metrics`): request counts
//! by status class, token verifications and cache hits, rate-limit refusals. Plain atomic
//! counters; no label can carry a secret or grow without bound.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// The counters of this instance.
#[derive(Default)]
pub struct Metrics {
    responses: [AtomicU64; 5],
    verified: AtomicU64,
    rejected: AtomicU64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    rate_limited: AtomicU64,
}

impl Metrics {
    /// Counts a response by its status class (1xx … 5xx).
    pub fn response(&self, status: u16) {
        let class = usize::from((status / 100).clamp(1, 5)) - 1;
        self.responses[class].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a token check: accepted or rejected.
    pub fn verification(&self, accepted: bool) {
        let counter = if accepted { &self.verified } else { &self.rejected };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a token-cache lookup.
    pub fn cache(&self, hit: bool) {
        let counter = if hit { &self.cache_hits } else { &self.cache_misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a request refused by a rate limit.
    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let mut out = String::new();
        out.push_str("# HELP pi_http_responses_total HTTP responses by status class.\n");
        out.push_str("# TYPE pi_http_responses_total counter\n");
        for (index, counter) in self.responses.iter().enumerate() {
            let _ = writeln!(out, "pi_http_responses_total{{class=\"{}xx\"}} {}", index + 1, load(counter));
        }
        out.push_str("# HELP pi_token_verifications_total API token checks by outcome.\n");
        out.push_str("# TYPE pi_token_verifications_total counter\n");
        let _ = writeln!(out, "pi_token_verifications_total{{result=\"accepted\"}} {}", load(&self.verified));
        let _ = writeln!(out, "pi_token_verifications_total{{result=\"rejected\"}} {}", load(&self.rejected));
        out.push_str("# HELP pi_token_cache_lookups_total Token cache lookups by outcome.\n");
        out.push_str("# TYPE pi_token_cache_lookups_total counter\n");
        let _ = writeln!(out, "pi_token_cache_lookups_total{{result=\"hit\"}} {}", load(&self.cache_hits));
        let _ = writeln!(out, "pi_token_cache_lookups_total{{result=\"miss\"}} {}", load(&self.cache_misses));
        out.push_str("# HELP pi_rate_limited_total API requests refused by a rate limit.\n");
        out.push_str("# TYPE pi_rate_limited_total counter\n");
        let _ = writeln!(out, "pi_rate_limited_total {}", load(&self.rate_limited));
        out
    }
}
