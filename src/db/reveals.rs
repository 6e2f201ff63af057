//! Newly issued tokens awaiting their one reveal, sealed. A reveal is taken with
//! `DELETE … RETURNING`: however many requests race for it, one gets it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::token_reveals;
use crate::domain::ids::{IntegrationId, UserId};

/// A sealed token as stored.
#[derive(Debug, Clone)]
pub struct Sealed {
    /// The AES-GCM nonce.
    pub nonce: Vec<u8>,
    /// The ciphertext (with its tag).
    pub sealed: Vec<u8>,
}

/// Stores a sealed token for `user` to reveal once, until `expires_at`.
pub fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    (user, integration): (UserId, IntegrationId),
    sealed: &Sealed,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(token_reveals::table)
        .values((
            token_reveals::id.eq(id),
            token_reveals::user_id.eq(user),
            token_reveals::integration_id.eq(integration),
            token_reveals::nonce.eq(&sealed.nonce),
            token_reveals::sealed.eq(&sealed.sealed),
            token_reveals::created_at.eq(now),
            token_reveals::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(drop)
}

/// Takes the reveal (it is gone afterwards), if it is still there, theirs and live.
pub fn take(
    conn: &mut PgConnection,
    id: Uuid,
    (user, integration): (UserId, IntegrationId),
    now: DateTime<Utc>,
) -> QueryResult<Option<Sealed>> {
    diesel::delete(
        token_reveals::table
            .filter(token_reveals::id.eq(id))
            .filter(token_reveals::user_id.eq(user))
            .filter(token_reveals::integration_id.eq(integration))
            .filter(token_reveals::expires_at.gt(now)),
    )
    .returning((token_reveals::nonce, token_reveals::sealed))
    .get_result::<(Vec<u8>, Vec<u8>)>(conn)
    .optional()
    .map(|found| found.map(|(nonce, sealed)| Sealed { nonce, sealed }))
}

/// Removes reveals nobody came for.
pub fn delete_expired(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(token_reveals::table.filter(token_reveals::expires_at.le(now))).execute(conn)
}
