//! Users, their sub-account memberships, and the per-request authorization read.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::models::User;
use super::schema::{sub_account_memberships, users};
use crate::domain::access::Actor;
use crate::domain::ids::{AgencyId, SubAccountId, UserId};
use crate::domain::people::{DisplayName, Email, Permissions, Role};

/// Everything needed to add a person to an agency.
#[derive(Debug, Clone)]
pub struct NewPerson {
    /// Their agency.
    pub agency_id: AgencyId,
    /// Their email.
    pub email: Email,
    /// Their display name.
    pub name: DisplayName,
    /// Their role.
    pub role: Role,
    /// Their permission toggles (restricted to the role on insert).
    pub permissions: Permissions,
    /// Sub-accounts to attach them to (account-level roles).
    pub sub_accounts: Vec<SubAccountId>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct UserRow<'a> {
    id: UserId,
    agency_id: AgencyId,
    email: &'a str,
    name: &'a str,
    role: &'a str,
    password_hash: Option<&'a str>,
    manage_agency_integrations: bool,
    manage_sub_account_integrations: bool,
    manage_team: bool,
    manage_integrations: bool,
    manage_staff: bool,
    created_at: DateTime<Utc>,
}

/// Why a user could not be added.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    /// The email belongs to someone already.
    #[error("a user with this email already exists")]
    EmailTaken,
    /// A sub-account is not one of the agency's.
    #[error("sub-account {0} does not belong to this agency")]
    ForeignSubAccount(SubAccountId),
    /// Anything else.
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// Inserts a user and their memberships. Run it inside a transaction.
#[tracing::instrument(skip(conn, person, password_hash), fields(role = ?person.role))]
pub fn create(
    conn: &mut PgConnection,
    person: &NewPerson,
    password_hash: Option<&str>,
    now: DateTime<Utc>,
) -> Result<User, CreateUserError> {
    let p = person.permissions.restricted_to(person.role);
    let row = UserRow {
        id: UserId::generate(),
        agency_id: person.agency_id,
        email: person.email.as_str(),
        name: person.name.as_str(),
        role: person.role.as_str(),
        password_hash,
        manage_agency_integrations: p.manage_agency_integrations,
        manage_sub_account_integrations: p.manage_sub_account_integrations,
        manage_team: p.manage_team,
        manage_integrations: p.manage_integrations,
        manage_staff: p.manage_staff,
        created_at: now,
    };
    let user = diesel::insert_into(users::table)
        .values(&row)
        .returning(User::as_returning())
        .get_result(conn)
        .map_err(|error| match error {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                CreateUserError::EmailTaken
            }
            other => CreateUserError::Database(other),
        })?;
    for &sub_account_id in &person.sub_accounts {
        diesel::insert_into(sub_account_memberships::table)
            .values((
                sub_account_memberships::user_id.eq(user.id),
                sub_account_memberships::sub_account_id.eq(sub_account_id),
                sub_account_memberships::agency_id.eq(person.agency_id),
            ))
            .execute(conn)
            .map_err(|error| match error {
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                    _,
                ) => CreateUserError::ForeignSubAccount(sub_account_id),
                other => CreateUserError::Database(other),
            })?;
    }
    Ok(user)
}

/// The user with this email, if any.
pub fn find_by_email(conn: &mut PgConnection, email: &Email) -> QueryResult<Option<User>> {
    users::table.filter(users::email.eq(email.as_str())).select(User::as_select()).first(conn).optional()
}

/// The user with this id.
pub fn find(conn: &mut PgConnection, id: UserId) -> QueryResult<User> {
    users::table.find(id).select(User::as_select()).first(conn)
}

/// The active user with this id as authorization sees them, with their memberships:
/// the one read every authenticated request makes. `None` if they are gone or
/// deactivated.
pub fn active_actor(conn: &mut PgConnection, id: UserId) -> QueryResult<Option<(User, Actor)>> {
    let Some(user) = users::table
        .find(id)
        .filter(users::active.eq(true))
        .select(User::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let memberships = if user.role().is_agency_level() {
        Vec::new()
    } else {
        sub_account_memberships::table
            .filter(sub_account_memberships::user_id.eq(id))
            .select(sub_account_memberships::sub_account_id)
            .load::<SubAccountId>(conn)?
    };
    let actor = user.actor(memberships);
    Ok(Some((user, actor)))
}

/// Replaces the user's password hash.
#[tracing::instrument(skip(conn, password_hash))]
pub fn set_password_hash(conn: &mut PgConnection, id: UserId, password_hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::password_hash.eq(password_hash)).execute(conn).map(drop)
}

/// How many agency admins of the agency exist (to tell the first one).
pub fn count_agency_admins(conn: &mut PgConnection, agency_id: AgencyId) -> QueryResult<i64> {
    users::table
        .filter(users::agency_id.eq(agency_id))
        .filter(users::role.eq(Role::AgencyAdmin.as_str()))
        .count()
        .get_result(conn)
}
