//! The web layer's plumbing: shared state, sessions, security middleware, the
//! signed-in-user extractors and page rendering. Route handlers live in [`crate::routes`].

pub mod client;
pub mod current;
pub mod error_pages;
pub mod forms;
pub mod pages;
pub mod passwords;
pub mod security;
pub mod session;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Database;
use passwords::Passwords;

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
}
