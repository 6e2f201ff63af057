//! Agencies and their sub-accounts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::mapping::new_id;
use super::schema::{agencies, sub_accounts};
use crate::domain::ids::{AgencyId, SubAccountId};
use crate::domain::people::DisplayName;
use crate::domain::tenancy::{Agency, LocationProfile, SubAccount};

#[derive(Queryable, Selectable)]
#[diesel(table_name = agencies, check_for_backend(diesel::pg::Pg))]
struct AgencyRow {
    id: AgencyId,
    name: String,
    labs_private_integrations: bool,
    created_at: DateTime<Utc>,
    require_two_factor: bool,
}

impl From<AgencyRow> for Agency {
    fn from(row: AgencyRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            labs_private_integrations: row.labs_private_integrations,
            created_at: row.created_at,
            require_two_factor: row.require_two_factor,
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = sub_accounts, check_for_backend(diesel::pg::Pg))]
struct SubAccountRow {
    id: SubAccountId,
    agency_id: AgencyId,
    name: String,
    labs_private_integrations: bool,
    created_at: DateTime<Utc>,
    phone: Option<String>,
    email: Option<String>,
    address: Option<String>,
    city: Option<String>,
    state: Option<String>,
    country: Option<String>,
    postal_code: Option<String>,
    website: Option<String>,
    timezone: Option<String>,
    allow_duplicate_contact: bool,
}

impl From<SubAccountRow> for SubAccount {
    fn from(row: SubAccountRow) -> Self {
        Self {
            id: row.id,
            agency_id: row.agency_id,
            name: row.name,
            labs_private_integrations: row.labs_private_integrations,
            created_at: row.created_at,
            profile: LocationProfile {
                phone: row.phone,
                email: row.email,
                address: row.address,
                city: row.city,
                state: row.state,
                country: row.country,
                postal_code: row.postal_code,
                website: row.website,
                timezone: row.timezone,
            },
            allow_duplicate_contact: row.allow_duplicate_contact,
        }
    }
}

/// Writes a location's details and duplicate-contact setting, and announces the change.
pub fn set_profile(
    conn: &mut PgConnection,
    id: SubAccountId,
    profile: &LocationProfile,
    allow_duplicate_contact: bool,
) -> QueryResult<()> {
    diesel::update(sub_accounts::table.find(id))
        .set((
            sub_accounts::phone.eq(profile.phone.as_deref()),
            sub_accounts::email.eq(profile.email.as_deref()),
            sub_accounts::address.eq(profile.address.as_deref()),
            sub_accounts::city.eq(profile.city.as_deref()),
            sub_accounts::state.eq(profile.state.as_deref()),
            sub_accounts::country.eq(profile.country.as_deref()),
            sub_accounts::postal_code.eq(profile.postal_code.as_deref()),
            sub_accounts::website.eq(profile.website.as_deref()),
            sub_accounts::timezone.eq(profile.timezone.as_deref()),
            sub_accounts::allow_duplicate_contact.eq(allow_duplicate_contact),
        ))
        .execute(conn)?;
    super::notify::location_changed(conn, id)
}

/// Locks a sub-account's row until the transaction ends: contact writes that must not
/// create duplicates take it first, so they run one after another within the location.
pub fn lock_sub_account(conn: &mut PgConnection, id: SubAccountId) -> QueryResult<SubAccount> {
    sub_accounts::table
        .find(id)
        .select(SubAccountRow::as_select())
        .for_update()
        .first(conn)
        .map(SubAccount::from)
}

/// Inserts a new agency.
#[tracing::instrument(skip(conn))]
pub fn create(conn: &mut PgConnection, name: &DisplayName, now: DateTime<Utc>) -> QueryResult<Agency> {
    diesel::insert_into(agencies::table)
        .values((
            agencies::id.eq(new_id::<AgencyId>()),
            agencies::name.eq(name.as_str()),
            agencies::labs_private_integrations.eq(true),
            agencies::created_at.eq(now),
        ))
        .returning(AgencyRow::as_returning())
        .get_result(conn)
        .map(Agency::from)
}

/// The agency with this id.
pub fn find(conn: &mut PgConnection, id: AgencyId) -> QueryResult<Agency> {
    agencies::table.find(id).select(AgencyRow::as_select()).first(conn).map(Agency::from)
}

/// Locks the agency's row until the transaction ends: changes that could leave it
/// without a team manager, or change who belongs to which of its sub-accounts (people
/// added, moved or removed, a sub-account deleted), take this lock first, so they run one
/// after another.
pub fn lock(conn: &mut PgConnection, id: AgencyId) -> QueryResult<()> {
    agencies::table.find(id).select(agencies::id).for_update().first::<AgencyId>(conn).map(drop)
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
    diesel::insert_into(sub_accounts::table)
        .values((
            sub_accounts::id.eq(new_id::<SubAccountId>()),
            sub_accounts::agency_id.eq(agency_id),
            sub_accounts::name.eq(name.as_str()),
            sub_accounts::labs_private_integrations.eq(true),
            sub_accounts::created_at.eq(now),
        ))
        .returning(SubAccountRow::as_returning())
        .get_result(conn)
        .map(SubAccount::from)
}

/// The sub-account with this id, whichever agency it belongs to; callers check reach.
pub fn find_sub_account(conn: &mut PgConnection, id: SubAccountId) -> QueryResult<SubAccount> {
    sub_accounts::table.find(id).select(SubAccountRow::as_select()).first(conn).map(SubAccount::from)
}

/// The agency's sub-accounts by name.
pub fn sub_accounts_of(conn: &mut PgConnection, agency_id: AgencyId) -> QueryResult<Vec<SubAccount>> {
    Ok(sub_accounts::table
        .filter(sub_accounts::agency_id.eq(agency_id))
        .order((sub_accounts::name, sub_accounts::id))
        .select(SubAccountRow::as_select())
        .load(conn)?
        .into_iter()
        .map(SubAccount::from)
        .collect())
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
                .execute(conn)?;
            super::notify::location_changed(conn, id).map(|()| 1)
        }
    }
    .map(drop)
}

/// Switches the agency's "Require two-factor authentication" policy.
pub fn set_require_two_factor(
    conn: &mut PgConnection,
    agency_id: AgencyId,
    required: bool,
) -> QueryResult<()> {
    diesel::update(agencies::table.find(agency_id))
        .set(agencies::require_two_factor.eq(required))
        .execute(conn)
        .map(drop)
}

/// Renames a sub-account, and announces the change.
pub fn rename_sub_account(conn: &mut PgConnection, id: SubAccountId, name: &DisplayName) -> QueryResult<()> {
    diesel::update(sub_accounts::table.find(id)).set(sub_accounts::name.eq(name.as_str())).execute(conn)?;
    super::notify::location_changed(conn, id)
}

/// Deletes a sub-account; its memberships and integrations (with their tokens) go with it.
pub fn delete_sub_account(conn: &mut PgConnection, id: SubAccountId) -> QueryResult<()> {
    diesel::delete(sub_accounts::table.find(id)).execute(conn)?;
    super::notify::everything_changed(conn)
}
