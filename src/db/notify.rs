//! Cross-instance invalidation of the API's cache with PostgreSQL LISTEN/NOTIFY. A change
//! to an integration's tokens, scopes or existence, or to a sub-account, sends a
//! notification from the same transaction (so it is delivered exactly when the change
//! commits); every instance's listener evicts what it cached of it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use diesel::PgConnection;
use diesel::prelude::*;

use crate::domain::ids::{IntegrationId, SubAccountId};

/// The channel.
pub const CHANNEL: &str = "pi_token_changes";

/// Announces a change to an integration (delivered at commit).
pub fn integration_changed(conn: &mut PgConnection, id: IntegrationId) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<diesel::sql_types::Text, _>(CHANNEL)
        .bind::<diesel::sql_types::Text, _>(id.to_string())
        .execute(conn)
        .map(drop)
}

/// The payload of a sub-account's change: the prefix, then its id.
const LOCATION: &str = "location:";

/// Announces a change to a sub-account (delivered at commit).
pub fn location_changed(conn: &mut PgConnection, id: SubAccountId) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<diesel::sql_types::Text, _>(CHANNEL)
        .bind::<diesel::sql_types::Text, _>(format!("{LOCATION}{id}"))
        .execute(conn)
        .map(drop)
}

/// Announces a change that may touch many integrations (a deleted sub-account).
pub fn everything_changed(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_notify($1, '*')")
        .bind::<diesel::sql_types::Text, _>(CHANNEL)
        .execute(conn)
        .map(drop)
}

/// What the listener tells its subscriber.
pub enum Change {
    /// One integration changed.
    Integration(IntegrationId),
    /// One sub-account changed.
    Location(SubAccountId),
    /// Anything may have changed: after a reconnect (NOTIFY is not replayed) or a bulk change.
    Everything,
}

impl Change {
    /// The change a notification's payload announces; anything unknown may have changed
    /// everything.
    fn from_payload(payload: &str) -> Self {
        if let Some(id) = payload.strip_prefix(LOCATION) {
            return id.parse().map_or(Self::Everything, Self::Location);
        }
        payload.parse().map_or(Self::Everything, Self::Integration)
    }
}

/// Something that reacts to changes; the listener stops once it is gone.
pub trait Subscriber: Send + Sync + 'static {
    /// Handles one change.
    fn changed(&self, change: Change);
}

/// How often the listener looks for notifications: the bound on how stale another
/// instance's cache can be.
const POLL: Duration = Duration::from_millis(100);
/// How often an idle listener checks that its connection is alive.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// How long the listener waits before connecting again after a failure.
const RETRY: Duration = Duration::from_secs(1);

/// The running listener thread. It owns a libpq connection, so it must be stopped and
/// joined before the process exits: a thread still inside libpq (and OpenSSL, which libpq
/// uses for TLS even on loopback) when `exit` runs the library's clean-up handlers crashes
/// the process.
pub struct Listener {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Listener {
    /// Starts listening on its own thread, telling `subscriber` of every change, until
    /// stopped (or until the subscriber is gone).
    pub fn spawn<S: Subscriber>(
        url: String,
        subscriber: Weak<S>,
        outages: super::Outages,
    ) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("token-change-listener".into())
            .spawn(move || run(&url, &subscriber, &outages, &flag))?;
        Ok(Self { stop, thread: Some(thread) })
    }

    /// Stops the thread and waits for it: its connection is closed when this returns.
    /// Blocks for at most about one poll interval (or one connection attempt).
    pub fn stop(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the token-change listener panicked");
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

fn run<S: Subscriber>(url: &str, subscriber: &Weak<S>, outages: &super::Outages, stop: &AtomicBool) {
    let running = || !stop.load(Ordering::Acquire) && subscriber.strong_count() > 0;
    while running() {
        match PgConnection::establish(url) {
            Ok(mut conn) => {
                if diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut conn).is_err() {
                    pause(RETRY, &running);
                    continue;
                }
                // Whatever happened while we were not listening is unknown.
                if let Some(subscriber) = subscriber.upgrade() {
                    subscriber.changed(Change::Everything);
                }
                listen(&mut conn, subscriber, &running);
                // It lost its connection (or is stopping): the pool's connections may
                // have gone with it.
                if running() {
                    outages.seen();
                }
            }
            Err(error) => {
                outages.seen();
                tracing::warn!(%error, "token-change listener cannot connect; retrying");
                pause(RETRY, &running);
            }
        }
    }
}

/// Sleeps for `total`, waking every poll interval to see whether to stop.
fn pause(total: Duration, running: &impl Fn() -> bool) {
    let started = Instant::now();
    while running() && started.elapsed() < total {
        std::thread::sleep(POLL);
    }
}

fn listen<S: Subscriber>(conn: &mut PgConnection, subscriber: &Weak<S>, running: &impl Fn() -> bool) {
    let mut last_check = Instant::now();
    while running() {
        let Some(target) = subscriber.upgrade() else { return };
        for notification in conn.notifications_iter() {
            match notification {
                Ok(notification) => target.changed(Change::from_payload(&notification.payload)),
                Err(error) => {
                    tracing::warn!(%error, "token-change listener lost its connection; reconnecting");
                    return;
                }
            }
        }
        drop(target);
        if last_check.elapsed() >= HEARTBEAT {
            if diesel::sql_query("SELECT 1").execute(conn).is_err() {
                return;
            }
            last_check = Instant::now();
        }
        std::thread::sleep(POLL);
    }
}
