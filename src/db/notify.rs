//! Cross-instance invalidation of the token cache with PostgreSQL LISTEN/NOTIFY. A change
//! to an integration's tokens, scopes or existence sends a notification from the same
//! transaction (so it is delivered exactly when the change commits); every instance's
//! listener evicts what it cached for that integration.

use std::sync::Weak;
use std::time::{Duration, Instant};

use diesel::PgConnection;
use diesel::prelude::*;

use crate::domain::ids::IntegrationId;

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
    /// Anything may have changed: after a reconnect (NOTIFY is not replayed) or a bulk change.
    Everything,
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

/// Runs the listener on its own thread until `subscriber` is dropped.
pub fn spawn_listener<S: Subscriber>(url: String, subscriber: Weak<S>) {
    let spawned = std::thread::Builder::new().name("token-change-listener".into()).spawn(move || {
        while subscriber.upgrade().is_some() {
            match PgConnection::establish(&url) {
                Ok(mut conn) => {
                    if diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut conn).is_err() {
                        std::thread::sleep(Duration::from_secs(1));
                        continue;
                    }
                    // Whatever happened while we were not listening is unknown.
                    if let Some(subscriber) = subscriber.upgrade() {
                        subscriber.changed(Change::Everything);
                    }
                    listen(&mut conn, &subscriber);
                }
                Err(error) => {
                    tracing::warn!(%error, "token-change listener cannot connect; retrying");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
    });
    if let Err(error) = spawned {
        tracing::error!(%error, "could not start the token-change listener");
    }
}

fn listen<S: Subscriber>(conn: &mut PgConnection, subscriber: &Weak<S>) {
    let mut last_check = Instant::now();
    loop {
        let Some(target) = subscriber.upgrade() else { return };
        for notification in conn.notifications_iter() {
            match notification {
                Ok(notification) => target.changed(match notification.payload.parse::<IntegrationId>() {
                    Ok(id) => Change::Integration(id),
                    Err(_) => Change::Everything,
                }),
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
