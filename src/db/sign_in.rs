//! Failed sign-ins, counted to throttle guessing per account and per IP address.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::sign_in_failures;

/// Records one failed attempt.
pub fn record_failure(conn: &mut PgConnection, email: &str, ip: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::insert_into(sign_in_failures::table)
        .values((
            sign_in_failures::email.eq(email),
            sign_in_failures::ip.eq(ip),
            sign_in_failures::attempted_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Failures since `since`: (for this email, from this IP).
pub fn recent_failures(
    conn: &mut PgConnection,
    email: &str,
    ip: &str,
    since: DateTime<Utc>,
) -> QueryResult<(i64, i64)> {
    let recent = sign_in_failures::table.filter(sign_in_failures::attempted_at.gt(since));
    let by_email = recent.filter(sign_in_failures::email.eq(email)).count().get_result(conn)?;
    let by_ip = recent.filter(sign_in_failures::ip.eq(ip)).count().get_result(conn)?;
    Ok((by_email, by_ip))
}

/// Forgets the failures of an email after a successful sign-in.
pub fn clear_for_email(conn: &mut PgConnection, email: &str) -> QueryResult<()> {
    diesel::delete(sign_in_failures::table.filter(sign_in_failures::email.eq(email))).execute(conn).map(drop)
}

/// Removes failures older than the throttling window.
pub fn delete_before(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(sign_in_failures::table.filter(sign_in_failures::attempted_at.le(before))).execute(conn)
}
