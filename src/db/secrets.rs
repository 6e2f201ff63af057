//! Secrets the installation makes for itself, once, and shares across instances.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::installation_secrets;

/// The secret of this name, made with `make` if it does not exist yet (by whichever
/// instance gets there first).
pub fn get_or_create(
    conn: &mut PgConnection,
    name: &str,
    make: impl FnOnce() -> Vec<u8>,
    now: DateTime<Utc>,
) -> QueryResult<Vec<u8>> {
    diesel::insert_into(installation_secrets::table)
        .values((
            installation_secrets::name.eq(name),
            installation_secrets::value.eq(make()),
            installation_secrets::created_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    installation_secrets::table.find(name).select(installation_secrets::value).first(conn)
}
