//! Server-side session rows. Keys arrive here already digested.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::sessions;
use crate::domain::ids::UserId;

/// A session row's variable part.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = sessions, treat_none_as_null = true)]
pub struct SessionWrite {
    /// The signed-in user, if any.
    pub user_id: Option<UserId>,
    /// The session state (a JSON object of JSON-encoded strings).
    pub state: serde_json::Value,
    /// When it lapses unless used again.
    pub expires_at: DateTime<Utc>,
}

/// Stores a new session.
pub fn insert(
    conn: &mut PgConnection,
    key_digest: &[u8],
    write: &SessionWrite,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::key_digest.eq(key_digest),
            sessions::user_id.eq(write.user_id),
            sessions::state.eq(&write.state),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(write.expires_at),
        ))
        .execute(conn)
        .map(drop)
}

/// The state of a live session (not idle-expired, and created after `created_after`, the
/// absolute lifetime) and its idle deadline.
pub fn load(
    conn: &mut PgConnection,
    key_digest: &[u8],
    now: DateTime<Utc>,
    created_after: DateTime<Utc>,
) -> QueryResult<Option<(serde_json::Value, DateTime<Utc>)>> {
    sessions::table
        .find(key_digest)
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::created_at.gt(created_after))
        .select((sessions::state, sessions::expires_at))
        .first(conn)
        .optional()
}

/// Replaces a live session's state; `false` if the session ended meanwhile (deleted,
/// idle past `now`, or created before `created_after`).
pub fn update(
    conn: &mut PgConnection,
    key_digest: &[u8],
    write: &SessionWrite,
    now: DateTime<Utc>,
    created_after: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        sessions::table
            .find(key_digest)
            .filter(sessions::expires_at.gt(now))
            .filter(sessions::created_at.gt(created_after)),
    )
    .set(write)
    .execute(conn)
    .map(|rows| rows == 1)
}

/// How far an idle deadline must move before it is written: page views within a minute of
/// the last extension write nothing (a write per page view cost a WAL flush each).
pub const TOUCH_GRANULARITY: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// Extends a live session's idle deadline (an ended one stays ended), unless it was
/// extended within the last [`TOUCH_GRANULARITY`].
pub fn touch(
    conn: &mut PgConnection,
    key_digest: &[u8],
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .find(key_digest)
            .filter(sessions::expires_at.gt(now))
            .filter(sessions::expires_at.lt(expires_at - TOUCH_GRANULARITY)),
    )
    .set(sessions::expires_at.eq(expires_at))
    .execute(conn)
    .map(drop)
}

/// Ends one session.
pub fn delete(conn: &mut PgConnection, key_digest: &[u8]) -> QueryResult<()> {
    diesel::delete(sessions::table.find(key_digest)).execute(conn).map(drop)
}

/// Ends every session of a user ("sign out everywhere", deactivation).
#[tracing::instrument(skip(conn))]
pub fn delete_for_user(conn: &mut PgConnection, user_id: UserId) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
}

/// Removes sessions that can no longer be used.
pub fn delete_stale(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    created_before: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::delete(
        sessions::table.filter(sessions::expires_at.le(now).or(sessions::created_at.le(created_before))),
    )
    .execute(conn)
}

/// How many live sessions a user has; for tests and the Team page.
pub fn count_for_user(conn: &mut PgConnection, user_id: UserId, now: DateTime<Utc>) -> QueryResult<i64> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(now))
        .count()
        .get_result(conn)
}
