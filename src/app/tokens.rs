//! Tokens from issue to verification. [`issue`] makes a token and what is stored of it;
//! [`verify`] is the one check of a presented token, through this instance's cache, used
//! by the API's extractor and by introspection alike; [`authenticate`] adds what an API
//! call costs (last use, rate limits).
//!
//! The cache maps digest → the token with its integration (or "unknown", cached too), so
//! that a warm API request touches no database. Entries carry state, not verdicts: expiry
//! is compared with the clock on every request. Invalidation comes from PostgreSQL
//! LISTEN/NOTIFY (see [`crate::db::notify`]); a short TTL is the safety net.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use moka::sync::Cache;

use crate::db::integrations::IssuedToken;
pub use crate::db::notify::Change;
use crate::db::notify::Subscriber;
use crate::domain::access::TokenActor;
use crate::domain::ids::TokenId;
use crate::domain::integration::{self, Integration, Token};
use crate::domain::token::{TokenFormatError, TokenSecret};

use super::limits::Standing;
use super::random::OsRandom;
use super::{App, AppError};

/// A new token in clear (for its one reveal) and what is stored of it.
pub fn issue(app: &App) -> (TokenSecret, IssuedToken) {
    let token = TokenSecret::generate(&mut OsRandom);
    let stored = IssuedToken { digest: app.digester.digest(&token), last4: token.last4().to_owned() };
    (token, stored)
}

/// A token that authenticates now.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Its integration as authorization sees it.
    pub caller: TokenActor,
    /// The token.
    pub token: TokenId,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When it stops working, if it is the old token of a rotation.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Why a presented token does not authenticate.
#[derive(Debug, thiserror::Error)]
pub enum Rejected {
    /// Not a token at all (prefix, length, alphabet or checksum): refused before any
    /// lookup.
    #[error("malformed token")]
    Malformed,
    /// Unknown, revoked, expired, or its integration deleted.
    #[error("invalid token")]
    Invalid,
    /// The check itself failed (the database is unreachable).
    #[error(transparent)]
    Failed(#[from] AppError),
}

impl From<TokenFormatError> for Rejected {
    fn from(_: TokenFormatError) -> Self {
        Self::Malformed
    }
}

/// Checks a presented token: format and checksum (no I/O), then its digest through the
/// cache (a miss reads the database once and caches the answer, unknown included), then
/// whether it authenticates at this instant.
#[tracing::instrument(skip_all)]
pub async fn verify(app: &App, presented: &str) -> Result<Verified, Rejected> {
    let token = TokenSecret::parse(presented)?;
    let digest = app.digester.digest(&token);
    let now = app.clock.now();
    let cached = app.tokens.get(&digest);
    app.metrics.cache(cached.is_some());
    let lookup = match cached {
        Some(hit) => hit,
        None => {
            let generation = app.tokens.generation();
            let key = digest.clone();
            let found = app
                .read(move |conn| Ok(crate::db::integrations::find_by_digest(conn, &key)?))
                .await?
                .map(Arc::new);
            app.tokens.insert(digest, found.clone(), generation);
            found
        }
    };
    let entry = lookup.filter(|entry| integration::authenticates(&entry.0, &entry.1, now));
    app.metrics.verification(entry.is_some());
    let entry = entry.ok_or(Rejected::Invalid)?;
    let (integration, token) = (&entry.0, &entry.1);
    Ok(Verified {
        caller: TokenActor {
            integration_id: integration.id,
            name: integration.name.clone(),
            owner: integration.owner,
            scopes: integration.scopes.clone(),
        },
        token: token.id,
        issued_at: token.created_at,
        expires_at: token.expires_at(),
    })
}

/// An API call's authentication: [`verify`], then its last use noted (in memory) and
/// its rate limits counted. The [`Standing`] comes back whether or not a limit is
/// exceeded, for the `X-RateLimit-*` headers.
#[tracing::instrument(skip_all)]
pub async fn authenticate(app: &App, presented: &str, ip: &str) -> Result<(Verified, Standing), Rejected> {
    let verified = verify(app, presented).await?;
    let now = app.clock.now();
    app.usage.record(verified.token, now, ip.to_owned());
    let owner = verified.caller.owner.sub_account_id.map_or(verified.caller.owner.agency_id.0, |sub| sub.0);
    let standing = app.limiter.hit(verified.caller.integration_id.0, owner, now).await;
    if standing.exceeded {
        app.metrics.rate_limited();
    }
    Ok((verified, standing))
}

/// A cached lookup: the token and its integration, or `None` for an unknown digest.
pub type Lookup = Option<Arc<(Integration, Token)>>;

/// How long an entry may live without any notification.
const TTL: Duration = Duration::from_secs(30);

/// The cache, shared by all workers of an instance.
#[derive(Clone)]
pub struct TokenCache {
    inner: Arc<Inner>,
}

/// The shared part; the listener holds it weakly.
pub struct Inner {
    entries: Cache<Vec<u8>, Lookup>,
    /// Bumped by every change, so a lookup that raced with a change is not cached.
    generation: AtomicU64,
    /// Counts the changes applied (evictions done), for whoever waits on one.
    applied: tokio::sync::watch::Sender<u64>,
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> Self {
        let entries =
            Cache::builder().max_capacity(200_000).time_to_live(TTL).support_invalidation_closures().build();
        let (applied, _) = tokio::sync::watch::channel(0);
        Self { inner: Arc::new(Inner { entries, generation: AtomicU64::new(0), applied }) }
    }

    /// The change counter, read before a database lookup.
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::Acquire)
    }

    /// The cached lookup of a digest, if any.
    pub fn get(&self, digest: &[u8]) -> Option<Lookup> {
        self.inner.entries.get(digest)
    }

    /// Caches a lookup made at `generation`, unless a change arrived meanwhile (then the
    /// lookup may be stale and the next request reads the database again).
    pub fn insert(&self, digest: Vec<u8>, lookup: Lookup, generation: u64) {
        if self.generation() == generation {
            self.inner.entries.insert(digest, lookup);
        }
    }

    /// The listener's handle; the listener stops once the cache is gone.
    pub fn subscriber(&self) -> Weak<Inner> {
        Arc::downgrade(&self.inner)
    }

    /// How many changes this cache has applied so far, as a channel that tells of each
    /// new one: a test (or a tool) waits on it instead of guessing how long a
    /// notification takes to arrive.
    pub fn applied_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.applied.subscribe()
    }

    /// Applies a change directly (the listener does this for every notification).
    pub fn changed(&self, change: Change) {
        self.inner.changed(change);
    }
}

impl Subscriber for Inner {
    fn changed(&self, change: Change) {
        // The generation moves first: a lookup racing with this change is not cached.
        self.generation.fetch_add(1, Ordering::AcqRel);
        match change {
            Change::Integration(id) => {
                let evicted = self.entries.invalidate_entries_if(move |_, lookup| {
                    lookup.as_ref().is_some_and(|entry| entry.0.id == id)
                });
                if evicted.is_err() {
                    self.entries.invalidate_all();
                }
            }
            Change::Everything => self.entries.invalidate_all(),
        }
        self.applied.send_modify(|count| *count += 1);
    }
}
