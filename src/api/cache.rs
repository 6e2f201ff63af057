//! The in-process token cache: digest → the token with its integration (or "unknown",
//! cached too), so that a warm API request touches no database. Entries carry state, not
//! verdicts: expiry is still compared with the clock on every request. Invalidation
//! comes from PostgreSQL LISTEN/NOTIFY (see [`crate::db::notify`]); a short TTL is the
//! safety net.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use moka::sync::Cache;

use crate::db::integrations::{Integration, Token};
use crate::db::notify::{Change, Subscriber};

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
