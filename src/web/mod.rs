//! The web layer's plumbing: shared state, sessions, security middleware, the
//! signed-in-user extractors and page rendering. Route handlers live in [`crate::routes`].

pub mod client;
pub mod current;
pub mod error_pages;
pub mod forms;
pub mod pages;
pub mod passwords;
pub mod reveal;
pub mod security;
pub mod session;

use std::sync::Arc;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Database;
use crate::domain::scopes::Catalog;
use crate::domain::token::TokenDigester;
use passwords::Passwords;
use reveal::RevealSealer;

/// What every handler may need, shared by all workers.
#[derive(Clone)]
pub struct AppState {
    /// The validated configuration.
    pub config: Config,
    /// The connection pool.
    pub db: Database,
    /// The time source.
    pub clock: SharedClock,
    /// Password hashing.
    pub passwords: Passwords,
    /// The scope catalog.
    pub catalog: Arc<Catalog>,
    /// Token digests.
    pub digester: TokenDigester,
    /// Sealing of tokens awaiting their one reveal.
    pub sealer: RevealSealer,
    /// The token cache of this instance.
    pub tokens: crate::api::cache::TokenCache,
    /// API rate limits.
    pub limiter: crate::api::limits::RateLimiter,
    /// Prometheus counters.
    pub metrics: crate::metrics::SharedMetrics,
    /// Last use of tokens, written in batches.
    pub usage: crate::api::usage::UsageRecorder,
}
