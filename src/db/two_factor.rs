//! People's TOTP secrets (sealed) and recovery codes (digested).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;

use super::mapping::new_id;
use super::schema::{recovery_codes, two_factor};
use crate::domain::ids::UserId;

/// A person's stored second factor.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = two_factor, check_for_backend(diesel::pg::Pg))]
pub struct Stored {
    /// The sealing nonce.
    pub nonce: Vec<u8>,
    /// The sealed secret.
    pub sealed: Vec<u8>,
    /// When it was turned on (`None` while set-up awaits its first code).
    pub enabled_at: Option<DateTime<Utc>>,
    /// The time step of the last code accepted.
    pub last_step: Option<i64>,
}

/// Starts (or restarts) a set-up with a new sealed secret. Call it only while two-factor is
/// off (the caller checks under [`lock`]).
pub fn begin(
    conn: &mut PgConnection,
    user: UserId,
    (nonce, sealed): (&[u8], &[u8]),
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::insert_into(two_factor::table)
        .values((
            two_factor::user_id.eq(user),
            two_factor::nonce.eq(nonce),
            two_factor::sealed.eq(sealed),
            two_factor::created_at.eq(now),
        ))
        .on_conflict(two_factor::user_id)
        .do_update()
        .set((
            two_factor::nonce.eq(excluded(two_factor::nonce)),
            two_factor::sealed.eq(excluded(two_factor::sealed)),
            two_factor::created_at.eq(excluded(two_factor::created_at)),
            two_factor::last_step.eq(None::<i64>),
        ))
        .execute(conn)
        .map(|rows| rows == 1)
}

/// A person's second factor, locked until the transaction ends (so that two codes of the
/// same step cannot both be accepted).
pub fn lock(conn: &mut PgConnection, user: UserId) -> QueryResult<Option<Stored>> {
    two_factor::table.find(user).select(Stored::as_select()).for_update().first(conn).optional()
}

/// A person's second factor.
pub fn find(conn: &mut PgConnection, user: UserId) -> QueryResult<Option<Stored>> {
    two_factor::table.find(user).select(Stored::as_select()).first(conn).optional()
}

/// Records an accepted code's step; turns two-factor on if it was being set up.
pub fn accepted(conn: &mut PgConnection, user: UserId, step: i64, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(two_factor::table.find(user)).set(two_factor::last_step.eq(step)).execute(conn)?;
    diesel::update(two_factor::table.find(user).filter(two_factor::enabled_at.is_null()))
        .set(two_factor::enabled_at.eq(now))
        .execute(conn)
        .map(drop)
}

/// Stores the secret sealed anew (under the current key, after a key rotation).
pub fn reseal(conn: &mut PgConnection, user: UserId, nonce: &[u8], sealed: &[u8]) -> QueryResult<()> {
    diesel::update(two_factor::table.find(user))
        .set((two_factor::nonce.eq(nonce), two_factor::sealed.eq(sealed)))
        .execute(conn)
        .map(drop)
}

/// Turns two-factor off: the secret and the recovery codes go.
pub fn remove(conn: &mut PgConnection, user: UserId) -> QueryResult<bool> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user))).execute(conn)?;
    diesel::delete(two_factor::table.find(user)).execute(conn).map(|rows| rows == 1)
}

/// Replaces a person's recovery codes with these digests.
pub fn replace_codes(conn: &mut PgConnection, user: UserId, digests: &[[u8; 32]]) -> QueryResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user))).execute(conn)?;
    for digest in digests {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::id.eq(new_id::<uuid::Uuid>()),
                recovery_codes::user_id.eq(user),
                recovery_codes::digest.eq(digest.as_slice()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Uses up the unused recovery code of any of these digests; whether there was one.
pub fn use_code(
    conn: &mut PgConnection,
    user: UserId,
    digests: &[Vec<u8>],
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let used: Option<uuid::Uuid> = recovery_codes::table
        .filter(recovery_codes::user_id.eq(user))
        .filter(recovery_codes::digest.eq_any(digests))
        .filter(recovery_codes::used_at.is_null())
        .select(recovery_codes::id)
        .for_update()
        .first(conn)
        .optional()?;
    match used {
        Some(id) => diesel::update(recovery_codes::table.find(id))
            .set(recovery_codes::used_at.eq(now))
            .execute(conn)
            .map(|rows| rows == 1),
        None => Ok(false),
    }
}

/// How many unused recovery codes a person has.
pub fn codes_left(conn: &mut PgConnection, user: UserId) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}

/// Which of these people have two-factor turned on.
pub fn enabled_among(conn: &mut PgConnection, users: &[UserId]) -> QueryResult<Vec<UserId>> {
    two_factor::table
        .filter(two_factor::user_id.eq_any(users))
        .filter(two_factor::enabled_at.is_not_null())
        .select(two_factor::user_id)
        .load(conn)
}
