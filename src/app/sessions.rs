//! Server-side sessions (revocable, in PostgreSQL) and the per-request read of who is
//! signed in. Keys arrive here already digested: the cookie's key never reaches the
//! database.

use chrono::{DateTime, Utc};

use crate::db::{self, sessions::SessionWrite};
use crate::domain::ids::UserId;
use crate::domain::people::Member;

/// What a session holds, as written.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The signed-in user, if any.
    pub user_id: Option<UserId>,
    /// The session's state (a JSON object of JSON-encoded strings).
    pub state: serde_json::Value,
    /// When it lapses unless used again.
    pub expires_at: DateTime<Utc>,
}

impl From<Stored> for SessionWrite {
    fn from(stored: Stored) -> Self {
        Self { user_id: stored.user_id, state: stored.state, expires_at: stored.expires_at }
    }
}

use super::{App, AppResult};

/// How long a session lives unused.
fn idle(app: &App) -> chrono::Duration {
    chrono::Duration::from_std(app.config.session_idle).unwrap_or(chrono::Duration::MAX)
}

/// A session's absolute lifetime.
fn absolute(app: &App) -> chrono::Duration {
    chrono::Duration::from_std(app.config.session_absolute).unwrap_or(chrono::Duration::MAX)
}

/// The state of a live session (not idle-expired, not past its absolute lifetime), whose
/// idle deadline it extends: being loaded is what a session's use is. The extension is
/// written in the same trip to the database, and only when the deadline would move by
/// more than [`db::sessions::TOUCH_GRANULARITY`]: most page views write nothing.
#[tracing::instrument(skip_all)]
pub async fn load(app: &App, key_digest: Vec<u8>) -> AppResult<Option<serde_json::Value>> {
    let now = app.clock.now();
    let created_after = now - absolute(app);
    let extend_to = now.checked_add_signed(idle(app)).unwrap_or(DateTime::<Utc>::MAX_UTC);
    app.read(move |conn| {
        let Some((state, expires_at)) = db::sessions::load(conn, &key_digest, now, created_after)? else {
            return Ok(None);
        };
        if expires_at < extend_to - db::sessions::TOUCH_GRANULARITY {
            db::sessions::touch(conn, &key_digest, extend_to, now)?;
        }
        Ok(Some(state))
    })
    .await
}

/// Stores a new session.
#[tracing::instrument(skip_all)]
pub async fn insert(app: &App, key_digest: Vec<u8>, stored: Stored) -> AppResult<()> {
    let now = app.clock.now();
    let write = SessionWrite::from(stored);
    app.write_one(move |conn| Ok(db::sessions::insert(conn, &key_digest, &write, now)?)).await
}

/// Replaces a session's state; `false` if the session no longer exists.
#[tracing::instrument(skip_all)]
pub async fn update(app: &App, key_digest: Vec<u8>, stored: Stored) -> AppResult<bool> {
    let write = SessionWrite::from(stored);
    let now = app.clock.now();
    let created_after = now - absolute(app);
    app.write_one(move |conn| Ok(db::sessions::update(conn, &key_digest, &write, now, created_after)?)).await
}

/// Extends a session's idle deadline.
#[tracing::instrument(skip_all)]
pub async fn touch(app: &App, key_digest: Vec<u8>, expires_at: DateTime<Utc>) -> AppResult<()> {
    let now = app.clock.now();
    app.write_one(move |conn| Ok(db::sessions::touch(conn, &key_digest, expires_at, now)?)).await
}

/// Ends one session.
#[tracing::instrument(skip_all)]
pub async fn delete(app: &App, key_digest: Vec<u8>) -> AppResult<()> {
    app.write_one(move |conn| Ok(db::sessions::delete(conn, &key_digest)?)).await
}

/// The active person a session names, read fresh on every request so that a change of
/// role or permission, or a deactivation, applies to their very next request; and whether
/// their agency's policy sends them to set up two-factor before anything else.
#[tracing::instrument(skip_all)]
pub async fn signed_in(app: &App, user: UserId) -> AppResult<Option<(Member, bool)>> {
    app.read(move |conn| Ok(db::users::signed_in(conn, user)?)).await
}

/// Removes sessions and sign-in failures that can no longer matter; how many.
#[tracing::instrument(skip_all)]
pub async fn sweep(app: &App) -> AppResult<usize> {
    let now = app.clock.now();
    let absolute = absolute(app);
    let window = chrono::Duration::minutes(super::auth::THROTTLE_WINDOW_MINUTES);
    app.write(move |conn| {
        let sessions = db::sessions::delete_stale(conn, now, now - absolute)?;
        let attempts = db::sign_in::delete_before(conn, now - window)?;
        let reveals = db::reveals::delete_expired(conn, now)?;
        Ok(sessions + attempts + reveals)
    })
    .await
}
