//! Sign-in attempts, counted to throttle guessing. An attempt takes its slot (a row)
//! before its password is checked, under locks on its address and its email, so that
//! parallel attempts are counted one after another.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::schema::sign_in_attempts;

/// Recent attempts (pending or failed) that count against a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// For this email from this address.
    pub email_and_address: i64,
    /// From this address, any email.
    pub address: i64,
    /// For this email, from anywhere.
    pub email: i64,
    /// When the oldest attempt that counts leaves the window, if any counts.
    pub oldest: Option<DateTime<Utc>>,
}

/// Locks the address, then the email, until the transaction ends (always in this order,
/// so that two attempts never wait on each other in a circle).
pub fn lock(conn: &mut PgConnection, email: &str, ip: &str) -> QueryResult<()> {
    for key in [format!("sign-in address {ip}"), format!("sign-in email {email}")] {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind::<Text, _>(key)
            .execute(conn)?;
    }
    Ok(())
}

/// The attempts since `since` that count against one for `email` from `ip`.
pub fn counts(conn: &mut PgConnection, email: &str, ip: &str, since: DateTime<Utc>) -> QueryResult<Counts> {
    let recent = sign_in_attempts::table.filter(sign_in_attempts::attempted_at.gt(since));
    let email_and_address = recent
        .filter(sign_in_attempts::email.eq(email))
        .filter(sign_in_attempts::ip.eq(ip))
        .count()
        .get_result(conn)?;
    let address = recent.filter(sign_in_attempts::ip.eq(ip)).count().get_result(conn)?;
    let by_email = recent.filter(sign_in_attempts::email.eq(email)).count().get_result(conn)?;
    let oldest = recent
        .filter(sign_in_attempts::email.eq(email).or(sign_in_attempts::ip.eq(ip)))
        .select(diesel::dsl::min(sign_in_attempts::attempted_at))
        .first(conn)?;
    Ok(Counts { email_and_address, address, email: by_email, oldest })
}

/// Takes a slot: records an attempt whose password is about to be checked.
pub fn start(conn: &mut PgConnection, email: &str, ip: &str, now: DateTime<Utc>) -> QueryResult<i64> {
    diesel::insert_into(sign_in_attempts::table)
        .values((
            sign_in_attempts::email.eq(email),
            sign_in_attempts::ip.eq(ip),
            sign_in_attempts::attempted_at.eq(now),
        ))
        .returning(sign_in_attempts::id)
        .get_result(conn)
}

/// The attempt's password proved wrong: it keeps counting.
pub fn failed(conn: &mut PgConnection, attempt: i64) -> QueryResult<()> {
    diesel::update(sign_in_attempts::table.find(attempt))
        .set(sign_in_attempts::failed.eq(true))
        .execute(conn)
        .map(drop)
}

/// A successful attempt: this address's attempts for this key no longer count (those from
/// elsewhere still do, so the real user signing in gives an attacker no fresh budget).
pub fn clear(conn: &mut PgConnection, email: &str, ip: &str) -> QueryResult<()> {
    diesel::delete(
        sign_in_attempts::table.filter(sign_in_attempts::email.eq(email)).filter(sign_in_attempts::ip.eq(ip)),
    )
    .execute(conn)
    .map(drop)
}

/// Removes attempts older than the throttling window.
pub fn delete_before(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(sign_in_attempts::table.filter(sign_in_attempts::attempted_at.le(before))).execute(conn)
}
