//! The one-time setup link of an empty installation.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::setup_links;

/// Replaces any earlier setup link with this one: only the newest printed link works.
pub fn replace(conn: &mut PgConnection, token_digest: &[u8], now: DateTime<Utc>) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::delete(setup_links::table).execute(conn)?;
        diesel::insert_into(setup_links::table)
            .values((setup_links::token_digest.eq(token_digest), setup_links::created_at.eq(now)))
            .execute(conn)
            .map(drop)
    })
}

/// Whether this digest is the live setup link (printed after `printed_after`).
pub fn is_valid(
    conn: &mut PgConnection,
    token_digest: &[u8],
    printed_after: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        setup_links::table.find(token_digest).filter(setup_links::created_at.gt(printed_after)),
    ))
    .get_result(conn)
}

/// Consumes the link, locking it so that two submissions cannot both set up; `false` if
/// it was not (or is no longer) valid. Run it inside the set-up transaction.
pub fn consume(
    conn: &mut PgConnection,
    token_digest: &[u8],
    printed_after: DateTime<Utc>,
) -> QueryResult<bool> {
    let deleted = diesel::delete(
        setup_links::table.find(token_digest).filter(setup_links::created_at.gt(printed_after)),
    )
    .execute(conn)?;
    if deleted == 1 {
        diesel::delete(setup_links::table).execute(conn)?;
    }
    Ok(deleted == 1)
}
