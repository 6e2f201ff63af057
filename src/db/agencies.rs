//! Agencies and their sub-accounts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::models::{Agency, SubAccount};
use super::schema::{agencies, sub_accounts};
use crate::domain::ids::{AgencyId, SubAccountId};
use crate::domain::people::DisplayName;

/// Inserts a new agency.
#[tracing::instrument(skip(conn))]
pub fn create(conn: &mut PgConnection, name: &DisplayName, now: DateTime<Utc>) -> QueryResult<Agency> {
    let agency = Agency {
        id: AgencyId::generate(),
        name: name.as_str().to_owned(),
        labs_private_integrations: true,
        created_at: now,
    };
    diesel::insert_into(agencies::table).values(&agency).execute(conn)?;
    Ok(agency)
}

/// The agency with this id.
pub fn find(conn: &mut PgConnection, id: AgencyId) -> QueryResult<Agency> {
    agencies::table.find(id).select(Agency::as_select()).first(conn)
}

/// Whether any agency exists yet (set-up has happened).
pub fn any_exists(conn: &mut PgConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(agencies::table.select(agencies::id))).get_result(conn)
}

/// Inserts a new sub-account into an agency.
#[tracing::instrument(skip(conn))]
pub fn create_sub_account(
    conn: &mut PgConnection,
    agency_id: AgencyId,
    name: &DisplayName,
    now: DateTime<Utc>,
) -> QueryResult<SubAccount> {
    let sub_account = SubAccount {
        id: SubAccountId::generate(),
        agency_id,
        name: name.as_str().to_owned(),
        labs_private_integrations: true,
        created_at: now,
    };
    diesel::insert_into(sub_accounts::table).values(&sub_account).execute(conn)?;
    Ok(sub_account)
}

/// The sub-account with this id, whichever agency it belongs to; callers check reach.
pub fn find_sub_account(conn: &mut PgConnection, id: SubAccountId) -> QueryResult<SubAccount> {
    sub_accounts::table.find(id).select(SubAccount::as_select()).first(conn)
}

/// The agency's sub-accounts by name.
pub fn sub_accounts_of(conn: &mut PgConnection, agency_id: AgencyId) -> QueryResult<Vec<SubAccount>> {
    sub_accounts::table
        .filter(sub_accounts::agency_id.eq(agency_id))
        .order((sub_accounts::name, sub_accounts::id))
        .select(SubAccount::as_select())
        .load(conn)
}

/// Switches the Labs "Private Integrations" flag of the agency or one of its sub-accounts.
pub fn set_labs_private_integrations(
    conn: &mut PgConnection,
    agency_id: AgencyId,
    sub_account_id: Option<SubAccountId>,
    enabled: bool,
) -> QueryResult<()> {
    match sub_account_id {
        None => diesel::update(agencies::table.find(agency_id))
            .set(agencies::labs_private_integrations.eq(enabled))
            .execute(conn),
        Some(id) => {
            diesel::update(sub_accounts::table.find(id).filter(sub_accounts::agency_id.eq(agency_id)))
                .set(sub_accounts::labs_private_integrations.eq(enabled))
                .execute(conn)
        }
    }
    .map(drop)
}

/// Renames a sub-account.
pub fn rename_sub_account(conn: &mut PgConnection, id: SubAccountId, name: &DisplayName) -> QueryResult<()> {
    diesel::update(sub_accounts::table.find(id))
        .set(sub_accounts::name.eq(name.as_str()))
        .execute(conn)
        .map(drop)
}

/// Deletes a sub-account; its memberships and integrations (with their tokens) go with it.
pub fn delete_sub_account(conn: &mut PgConnection, id: SubAccountId) -> QueryResult<()> {
    diesel::delete(sub_accounts::table.find(id)).execute(conn)?;
    super::notify::everything_changed(conn)
}
