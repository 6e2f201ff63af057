//! The application layer: every use case of the product, once. A use case takes the
//! requester (a signed-in person or a verified token), decides access through
//! [`crate::domain::access`], runs its one transaction through [`crate::db`], records its
//! audit event, publishes its cache invalidation, and returns a domain result or an
//! [`AppError`]. The dashboard, the `/v2` API and the CLI are adapters over these
//! functions; nothing else writes to the database.
//!
//! [`App`] holds the services the use cases share. Database work runs on the blocking
//! thread pool ([`App::read`], [`App::write`]), never on the async executor.

pub mod audit;
pub mod auth;
pub mod contacts;
pub mod error;
pub mod integrations;
pub mod keys;
pub mod labs;
pub mod limits;
pub mod locations;
pub mod lookups;
pub mod mail;
pub mod notifications;
pub mod operator;
pub mod outbox;
pub mod passwords;
pub mod people;
pub mod random;
pub mod reveals;
pub mod rotation;
pub mod sessions;
pub mod settings;
pub mod tokens;
pub mod two_factor;
pub mod usage;
pub mod webhooks;

use std::sync::Arc;

use diesel::{Connection as _, PgConnection};

pub use error::{AppError, AppResult};

/// The hasher of the maps every API call touches (the token caches, failed verifications,
/// rate limits, usage): foldhash, hashbrown's own default, seeded at random per map. std's
/// SipHash cost a warm call about 2,000 instructions (docs/benchmarks.md, fifth round).
pub type FastHash = foldhash::fast::RandomState;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Database;
use crate::db::audit::NewEvent;
use crate::domain::access::{Actor, TokenActor};
use crate::domain::audit::AuditAction;
use crate::domain::ids::{AgencyId, SubAccountId};
use crate::domain::scopes::Catalog;
use crate::metrics::Metrics;

/// The services every use case may need, shared by all workers of an instance.
#[derive(Clone)]
pub struct App {
    /// The validated configuration.
    pub config: Arc<Config>,
    /// The connection pool.
    pub db: Database,
    /// The time source.
    pub clock: SharedClock,
    /// Password hashing.
    pub passwords: passwords::Passwords,
    /// The scope catalog.
    pub catalog: Arc<Catalog>,
    /// The keys derived from `SECRET_KEY` (token digests, sealing, cookie signatures).
    pub keys: keys::Keys,
    /// The token cache of this instance.
    pub tokens: tokens::TokenCache,
    /// API rate limits.
    pub limiter: limits::RateLimiter,
    /// Prometheus counters.
    pub metrics: Arc<Metrics>,
    /// Last use of tokens, written in batches.
    pub usage: usage::UsageRecorder,
    /// What sends events out: webhooks and email.
    pub outbox: outbox::Outbox,
}

impl App {
    /// Runs `work` with a pooled connection on the blocking thread pool, so that database
    /// round trips never stall the async executor. No transaction: for reads, and for a
    /// write of one statement (which PostgreSQL applies atomically on its own; see
    /// [`Self::write_one`]).
    pub async fn read<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.get()?;
            work(&mut conn)
        })
        .await
        .map_err(|error| AppError::Internal(error.into()))?
    }

    /// Runs `work` in one transaction on the blocking thread pool: committed if it
    /// returns `Ok`, rolled back otherwise.
    pub async fn write<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.read(move |conn| conn.transaction(work)).await
    }

    /// Runs a write of exactly one statement: atomic by itself, so without the two extra
    /// round trips of `BEGIN` and `COMMIT`.
    pub async fn write_one<T, F>(&self, statement: F) -> AppResult<T>
    where
        F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.read(statement).await
    }

    /// Whether the database answers a query now.
    pub async fn database_answers(&self) -> bool {
        self.read(|conn| Ok(crate::db::ping(conn)?)).await.is_ok()
    }
}

/// Who asks for a use case, and from where.
#[derive(Debug, Clone)]
pub struct Requester {
    /// The person or the token.
    pub principal: Principal,
    /// The client's address, for the audit log.
    pub ip: String,
}

/// A signed-in person or a verified token.
#[derive(Debug, Clone)]
pub enum Principal {
    /// A person, read fresh on this request.
    User {
        /// Them as authorization sees them.
        actor: Actor,
        /// Their email, which names them in the audit log.
        email: String,
    },
    /// A private integration's token (as its cache entry shares it).
    Token(Arc<TokenActor>),
}

impl Requester {
    /// A signed-in person asking from `ip`.
    pub fn user(actor: Actor, email: impl Into<String>, ip: impl Into<String>) -> Self {
        Self { principal: Principal::User { actor, email: email.into() }, ip: ip.into() }
    }

    /// A token asking from `ip`.
    pub fn token(caller: Arc<TokenActor>, ip: impl Into<String>) -> Self {
        Self { principal: Principal::Token(caller), ip: ip.into() }
    }

    /// The person, for a use case only people may ask for.
    pub fn person(&self) -> AppResult<&Actor> {
        match &self.principal {
            Principal::User { actor, .. } => Ok(actor),
            Principal::Token(_) => Err(AppError::Forbidden),
        }
    }

    /// The person's email, if a person asks.
    pub fn email(&self) -> Option<&str> {
        match &self.principal {
            Principal::User { email, .. } => Some(email),
            Principal::Token(_) => None,
        }
    }

    /// The token, for a use case only the API offers.
    pub fn caller(&self) -> AppResult<&Arc<TokenActor>> {
        match &self.principal {
            Principal::Token(caller) => Ok(caller),
            Principal::User { .. } => Err(AppError::Forbidden),
        }
    }

    /// An audit event of this requester in an agency (and sub-account).
    pub(crate) fn event(
        &self,
        action: AuditAction,
        agency_id: AgencyId,
        sub_account_id: Option<SubAccountId>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> NewEvent {
        let (actor_user_id, label) = match &self.principal {
            Principal::User { actor, email } => (Some(actor.id), email.clone()),
            Principal::Token(caller) => {
                (None, format!("integration “{}” ({})", caller.name, caller.integration_id))
            }
        };
        NewEvent {
            agency_id: Some(agency_id),
            sub_account_id,
            actor_user_id,
            ip: Some(self.ip.clone()),
            ..NewEvent::new(action, label, now)
        }
    }
}
