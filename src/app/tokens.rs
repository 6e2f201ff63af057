//! Tokens from issue to verification. [`issue`] makes a token and what is stored of it;
//! [`verify`] is the one check of a presented token, through this instance's cache, used
//! by the API's extractor and by introspection alike; [`authenticate`] adds what an API
//! call costs (last use, rate limits).
//!
//! The cache maps digest → the token with its integration, so that a warm API request
//! touches no database. Entries carry state, not verdicts: expiry is compared with the
//! clock on every request. Invalidation comes from PostgreSQL LISTEN/NOTIFY (see
//! [`crate::db::notify`]); a short TTL is the safety net. Unknown digests are remembered
//! apart, in a smaller cache of their own, so that guesses cannot evict live tokens; and a
//! client address that keeps presenting bad tokens is refused before any lookup. The same
//! cache keeps the sub-accounts the API reads by id, invalidated the same way.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use moka::sync::Cache;

use crate::db::integrations::IssuedToken;
pub use crate::db::notify::Change;
use crate::db::notify::Subscriber;
use crate::domain::access::TokenActor;
use crate::domain::ids::{IntegrationId, SubAccountId, TokenId};
use crate::domain::integration::{self, Integration, Token};
use crate::domain::tenancy::SubAccount;
use crate::domain::token::{TokenFormatError, TokenSecret};

use super::limits::Standing;
use super::lookups::Lookups;
use super::random::OsRandom;
use super::{App, AppError, FastHash};

/// A new token in clear (for its one reveal) and what is stored of it.
pub fn issue(app: &App) -> (TokenSecret, IssuedToken) {
    let token = TokenSecret::generate(&mut OsRandom);
    let stored = IssuedToken { digest: app.keys.digest(&token), last4: token.last4().to_owned() };
    (token, stored)
}

/// A token that authenticates now.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Its integration as authorization sees it, shared with the cache (no copy per
    /// request).
    pub caller: Arc<TokenActor>,
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
    /// Unknown, or its integration deleted.
    #[error("invalid token")]
    Invalid,
    /// Known, but revoked or expired: invalid all the same, but its calls are counted
    /// (usage shows what still calls with an old token).
    #[error("invalid token")]
    Inactive(Presented),
    /// This client address presented too many bad tokens lately: refused before any
    /// lookup, for this many seconds.
    #[error("too many failed verifications")]
    TooMany(u64),
    /// The check itself failed (the database is unreachable).
    #[error(transparent)]
    Failed(#[from] AppError),
}

/// A token presented that no longer works: which one, as usage counts its calls.
#[derive(Debug, Clone, Copy)]
pub struct Presented {
    /// The token.
    pub token: TokenId,
    /// Its integration.
    pub integration: IntegrationId,
}

impl From<TokenFormatError> for Rejected {
    fn from(_: TokenFormatError) -> Self {
        Self::Malformed
    }
}

/// Checks a presented token: format and checksum (no I/O), then its digest through the
/// cache (a miss reads the database once, under every accepted key, and caches the
/// answer, unknown included), then whether it authenticates at this instant.
#[tracing::instrument(skip_all)]
pub async fn verify(app: &App, presented: &str) -> Result<Verified, Rejected> {
    let token = TokenSecret::parse(presented)?;
    let digest = app.keys.digest(&token);
    let now = app.clock.now();
    let cached = app.tokens.get(&digest);
    app.metrics.cache(cached.is_some());
    let found = match cached {
        Some(found) => found,
        None => lookup(app, &token, digest).await?,
    };
    let Some(entry) = found else {
        app.metrics.verification(false);
        return Err(Rejected::Invalid);
    };
    let authenticates = integration::authenticates(&entry.integration, &entry.token, now);
    app.metrics.verification(authenticates);
    if !authenticates {
        return Err(if entry.integration.deleted_at.is_none() {
            Rejected::Inactive(Presented { token: entry.token.id, integration: entry.integration.id })
        } else {
            Rejected::Invalid
        });
    }
    Ok(Verified {
        caller: Arc::clone(&entry.actor),
        token: entry.token.id,
        issued_at: entry.token.created_at,
        expires_at: entry.token.expires_at(),
    })
}

/// Reads a token from the database under every accepted digest (in a batch with the
/// other lookups waiting, see [`super::lookups`]), and caches the answer.
async fn lookup(app: &App, token: &TokenSecret, digest: Vec<u8>) -> Result<Option<Entry>, Rejected> {
    let digests: Vec<Vec<u8>> = app.keys.digesters().iter().map(|digester| digester.digest(token)).collect();
    let generation = app.tokens.generation();
    let found = app
        .tokens
        .inner
        .lookups
        .find(&app.db, digests)
        .await?
        .map(|(integration, token)| Arc::new(Cached::new(integration, token)));
    app.tokens.insert(digest, found.clone(), generation);
    Ok(found)
}

/// An API call's authentication: a client that presented too many bad tokens lately is
/// refused first; then [`verify`], then the call noted for usage (in memory) and the
/// token's rate limits counted. The [`Standing`] comes back whether or not a limit is
/// exceeded, for the `X-RateLimit-*` headers.
pub async fn authenticate(app: &App, presented: &str, ip: &str) -> Result<Authenticated, Rejected> {
    let now = app.clock.now();
    if let Some(wait) = app.tokens.failures().refused(ip, now) {
        app.metrics.rate_limited();
        return Err(Rejected::TooMany(wait));
    }
    let verified = match verify(app, presented).await {
        Ok(verified) => verified,
        Err(rejected @ (Rejected::Malformed | Rejected::Invalid | Rejected::Inactive(_))) => {
            if let Rejected::Inactive(known) = &rejected {
                app.usage.presented(known.token, known.integration, now, ip, false);
            }
            app.tokens.failures().failed(ip, now);
            return Err(rejected);
        }
        Err(other) => return Err(other),
    };
    app.usage.presented(verified.token, verified.caller.integration_id, now, ip, true);
    let owner = verified.caller.owner.sub_account_id.map_or(verified.caller.owner.agency_id.0, |sub| sub.0);
    let standing = app.limiter.hit(verified.caller.integration_id.0, owner, now).await;
    if standing.exceeded {
        app.metrics.rate_limited();
    }
    Ok(Authenticated { verified, standing, at: now })
}

/// A token that authenticated an API call.
#[derive(Debug)]
pub struct Authenticated {
    /// The token.
    pub verified: Verified,
    /// Where its call stands against the rate limits.
    pub standing: Standing,
    /// When it was checked.
    pub at: DateTime<Utc>,
}

/// Failed verifications per client address within a minute, before that address is
/// refused without any lookup.
pub const MAX_FAILURES_PER_ADDRESS: u32 = 30;
const FAILURE_WINDOW_SECONDS: i64 = 60;

/// Counts failed verifications per client address in fixed one-minute windows.
#[derive(Default)]
pub struct Failures {
    windows: Mutex<HashMap<String, (i64, u32), FastHash>>,
}

impl Failures {
    /// Seconds to wait if `ip` is over the limit at `now`.
    fn refused(&self, ip: &str, now: DateTime<Utc>) -> Option<u64> {
        let window = now.timestamp().div_euclid(FAILURE_WINDOW_SECONDS);
        let windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let (counted, failures) = windows.get(ip).copied()?;
        (counted == window && failures >= MAX_FAILURES_PER_ADDRESS).then(|| {
            u64::try_from((window + 1) * FAILURE_WINDOW_SECONDS - now.timestamp()).unwrap_or(1).max(1)
        })
    }

    fn failed(&self, ip: &str, now: DateTime<Utc>) {
        let window = now.timestamp().div_euclid(FAILURE_WINDOW_SECONDS);
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() > 100_000 {
            windows.retain(|_, (counted, _)| *counted == window);
        }
        let entry = windows.entry(ip.to_owned()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 += 1;
    }
}

/// A token with its integration, as cached.
pub type Entry = Arc<Cached>;

/// What the cache keeps of a token.
pub struct Cached {
    integration: Integration,
    token: Token,
    /// The integration as authorization sees it, made once and shared by every request
    /// that presents the token.
    actor: Arc<TokenActor>,
}

impl Cached {
    fn new(integration: Integration, token: Token) -> Self {
        let actor = Arc::new(TokenActor {
            integration_id: integration.id,
            name: integration.name.clone(),
            owner: integration.owner,
            scopes: integration.scopes.clone(),
        });
        Self { integration, token, actor }
    }
}

/// How long an entry may live without any notification.
const TTL: Duration = Duration::from_secs(30);
/// How many tokens an instance keeps in memory.
const CAPACITY: u64 = 200_000;
/// How many unknown digests an instance remembers, apart from the tokens.
const UNKNOWN_CAPACITY: u64 = 20_000;
/// How many sub-accounts an instance keeps in memory.
const LOCATION_CAPACITY: u64 = 50_000;

/// The cache, shared by all workers of an instance.
#[derive(Clone)]
pub struct TokenCache {
    inner: Arc<Inner>,
}

/// The shared part; the listener holds it weakly.
pub struct Inner {
    /// Off only to measure cold verification (`TOKEN_CACHE=off`).
    enabled: bool,
    entries: Cache<Vec<u8>, Entry, FastHash>,
    unknown: Cache<Vec<u8>, (), FastHash>,
    /// Sub-accounts as the API reads them by id (`GET /v2/locations/{id}`).
    locations: Cache<SubAccountId, Arc<SubAccount>, FastHash>,
    failures: Failures,
    /// Where a miss waits for the database.
    lookups: Lookups,
    /// Bumped by every change, so a lookup that raced with a change is not cached.
    generation: AtomicU64,
    /// Counts the changes applied (evictions done), for whoever waits on one.
    applied: tokio::sync::watch::Sender<u64>,
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new(true)
    }
}

impl TokenCache {
    /// An empty cache; a disabled one never answers, so that every verification reads
    /// the database.
    pub fn new(enabled: bool) -> Self {
        let entries =
            Cache::builder().max_capacity(CAPACITY).time_to_live(TTL).support_invalidation_closures();
        let entries = entries.build_with_hasher(FastHash::default());
        let unknown = Cache::builder()
            .max_capacity(UNKNOWN_CAPACITY)
            .time_to_live(TTL)
            .build_with_hasher(FastHash::default());
        let locations = Cache::builder()
            .max_capacity(LOCATION_CAPACITY)
            .time_to_live(TTL)
            .build_with_hasher(FastHash::default());
        let (applied, _) = tokio::sync::watch::channel(0);
        Self {
            inner: Arc::new(Inner {
                enabled,
                entries,
                unknown,
                locations,
                failures: Failures::default(),
                lookups: Lookups::default(),
                generation: AtomicU64::new(0),
                applied,
            }),
        }
    }

    /// The change counter, read before a database lookup.
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::Acquire)
    }

    /// The cached answer for a digest: the token, or `None` for a digest known to be
    /// unknown; nothing if it must be looked up.
    pub fn get(&self, digest: &[u8]) -> Option<Option<Entry>> {
        if !self.inner.enabled {
            return None;
        }
        if let Some(entry) = self.inner.entries.get(digest) {
            return Some(Some(entry));
        }
        self.inner.unknown.get(digest).map(|()| None)
    }

    /// Caches a lookup made at `generation`, unless a change arrived meanwhile (then the
    /// lookup may be stale and the next request reads the database again).
    pub fn insert(&self, digest: Vec<u8>, found: Option<Entry>, generation: u64) {
        if self.inner.enabled && self.generation() == generation {
            match found {
                Some(entry) => self.inner.entries.insert(digest, entry),
                None => self.inner.unknown.insert(digest, ()),
            }
        }
    }

    /// A cached sub-account.
    pub fn location(&self, id: SubAccountId) -> Option<Arc<SubAccount>> {
        if !self.inner.enabled {
            return None;
        }
        self.inner.locations.get(&id)
    }

    /// Caches a sub-account read at `generation`, unless a change arrived meanwhile.
    pub fn insert_location(&self, found: Arc<SubAccount>, generation: u64) {
        if self.inner.enabled && self.generation() == generation {
            self.inner.locations.insert(found.id, found);
        }
    }

    /// The failed verifications counted per client address.
    fn failures(&self) -> &Failures {
        &self.inner.failures
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
                let evicted = self.entries.invalidate_entries_if(move |_, entry| entry.integration.id == id);
                if evicted.is_err() {
                    self.entries.invalidate_all();
                }
            }
            Change::Location(id) => self.locations.invalidate(&id),
            Change::Everything => {
                self.entries.invalidate_all();
                self.unknown.invalidate_all();
                self.locations.invalidate_all();
            }
        }
        self.applied.send_modify(|count| *count += 1);
    }
}
