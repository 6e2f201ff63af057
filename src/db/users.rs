//! Users and their sub-account memberships.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::mapping::new_id;
use super::schema::{sub_account_memberships, users};
use crate::domain::ids::{AgencyId, SubAccountId, UserId};
use crate::domain::people::{Email, Member, Permissions, PersonName, Role, User};

#[derive(Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
struct UserRow {
    id: UserId,
    agency_id: AgencyId,
    email: String,
    name: String,
    first_name: String,
    last_name: String,
    phone: Option<String>,
    role: Role,
    active: bool,
    manage_agency_integrations: bool,
    manage_sub_account_integrations: bool,
    manage_team: bool,
    manage_integrations: bool,
    manage_staff: bool,
    created_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            agency_id: row.agency_id,
            email: row.email,
            name: row.name,
            first_name: row.first_name,
            last_name: row.last_name,
            phone: row.phone,
            role: row.role,
            active: row.active,
            permissions: Permissions {
                manage_agency_integrations: row.manage_agency_integrations,
                manage_sub_account_integrations: row.manage_sub_account_integrations,
                manage_team: row.manage_team,
                manage_integrations: row.manage_integrations,
                manage_staff: row.manage_staff,
            }
            .restricted_to(row.role),
            created_at: row.created_at,
        }
    }
}

/// Everything needed to add a person to an agency.
#[derive(Debug, Clone)]
pub struct NewPerson {
    /// Their agency.
    pub agency_id: AgencyId,
    /// Their email.
    pub email: Email,
    /// Their name.
    pub name: PersonName,
    /// Their phone, if given.
    pub phone: Option<String>,
    /// Their role.
    pub role: Role,
    /// Their permission toggles (restricted to the role on insert).
    pub permissions: Permissions,
    /// Sub-accounts to attach them to (account-level roles).
    pub sub_accounts: Vec<SubAccountId>,
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
    let user = diesel::insert_into(users::table)
        .values((
            users::id.eq(new_id::<UserId>()),
            users::agency_id.eq(person.agency_id),
            users::email.eq(person.email.as_str()),
            users::name.eq(person.name.display()),
            users::first_name.eq(person.name.first()),
            users::last_name.eq(person.name.last()),
            users::phone.eq(person.phone.as_deref()),
            users::role.eq(person.role),
            users::password_hash.eq(password_hash),
            users::manage_agency_integrations.eq(p.manage_agency_integrations),
            users::manage_sub_account_integrations.eq(p.manage_sub_account_integrations),
            users::manage_team.eq(p.manage_team),
            users::manage_integrations.eq(p.manage_integrations),
            users::manage_staff.eq(p.manage_staff),
            users::created_at.eq(now),
        ))
        .returning(UserRow::as_returning())
        .get_result(conn)
        .map(User::from)
        .map_err(|error| match error {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                CreateUserError::EmailTaken
            }
            other => CreateUserError::Database(other),
        })?;
    for &sub_account_id in &person.sub_accounts {
        attach(conn, user.id, person.agency_id, &[sub_account_id]).map_err(|error| match error {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                _,
            ) => CreateUserError::ForeignSubAccount(sub_account_id),
            other => CreateUserError::Database(other),
        })?;
    }
    Ok(user)
}

fn attach(
    conn: &mut PgConnection,
    id: UserId,
    agency_id: AgencyId,
    sub_accounts: &[SubAccountId],
) -> QueryResult<()> {
    for &sub_account_id in sub_accounts {
        diesel::insert_into(sub_account_memberships::table)
            .values((
                sub_account_memberships::user_id.eq(id),
                sub_account_memberships::sub_account_id.eq(sub_account_id),
                sub_account_memberships::agency_id.eq(agency_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The user with this email and their password hash, if any.
pub fn find_by_email(conn: &mut PgConnection, email: &Email) -> QueryResult<Option<(User, Option<String>)>> {
    users::table
        .filter(users::email.eq(email.as_str()))
        .select((UserRow::as_select(), users::password_hash))
        .first::<(UserRow, Option<String>)>(conn)
        .optional()
        .map(|found| found.map(|(row, hash)| (User::from(row), hash)))
}

/// The active user with this id, with their memberships: the one read every
/// authenticated request makes. `None` if they are gone or deactivated.
pub fn active_member(conn: &mut PgConnection, id: UserId) -> QueryResult<Option<Member>> {
    let Some(user) = users::table
        .find(id)
        .filter(users::active.eq(true))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    Ok(Some(with_memberships(conn, vec![User::from(user)])?.remove(0)))
}

/// Whether the person's agency requires two-factor authentication.
pub fn two_factor_required(conn: &mut PgConnection, id: UserId) -> QueryResult<bool> {
    use super::schema::agencies;
    users::table
        .inner_join(agencies::table)
        .filter(users::id.eq(id))
        .select(agencies::require_two_factor)
        .first(conn)
}

/// The active person a session names, with their memberships, and whether they must set
/// up two-factor before anything else (their agency requires it and they have not turned
/// it on): what every page view reads. `None` if they are gone or deactivated. Two
/// statements, each prepared once per connection (a membership array folded into the
/// first would make it raw SQL, planned again on every call).
pub fn signed_in(conn: &mut PgConnection, id: UserId) -> QueryResult<Option<(Member, bool)>> {
    use super::schema::{agencies, two_factor};
    let enabled =
        two_factor::table.filter(two_factor::user_id.eq(id)).filter(two_factor::enabled_at.is_not_null());
    let found = users::table
        .inner_join(agencies::table)
        .filter(users::id.eq(id))
        .filter(users::active.eq(true))
        .select((
            UserRow::as_select(),
            agencies::require_two_factor.and(diesel::dsl::not(diesel::dsl::exists(enabled))),
        ))
        .first::<(UserRow, bool)>(conn)
        .optional()?;
    let Some((row, must_set_up)) = found else { return Ok(None) };
    let member = with_memberships(conn, vec![User::from(row)])?.remove(0);
    Ok(Some((member, must_set_up)))
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
        .filter(users::role.eq(Role::AgencyAdmin))
        .count()
        .get_result(conn)
}

fn with_memberships(conn: &mut PgConnection, found: Vec<User>) -> QueryResult<Vec<Member>> {
    let ids: Vec<UserId> = found.iter().map(|user| user.id).collect();
    let pairs: Vec<(UserId, SubAccountId)> = sub_account_memberships::table
        .filter(sub_account_memberships::user_id.eq_any(&ids))
        .select((sub_account_memberships::user_id, sub_account_memberships::sub_account_id))
        .load(conn)?;
    Ok(found
        .into_iter()
        .map(|user| {
            let sub_accounts = pairs.iter().filter(|(id, _)| *id == user.id).map(|(_, sub)| *sub).collect();
            Member { user, sub_accounts }
        })
        .collect())
}

fn load_users(
    query: users::BoxedQuery<'_, diesel::pg::Pg>,
    conn: &mut PgConnection,
) -> QueryResult<Vec<User>> {
    Ok(query.select(UserRow::as_select()).load(conn)?.into_iter().map(User::from).collect())
}

/// Everyone of an agency, by name.
pub fn members_of_agency(conn: &mut PgConnection, agency_id: AgencyId) -> QueryResult<Vec<Member>> {
    let found = load_users(
        users::table.filter(users::agency_id.eq(agency_id)).order((users::name, users::email)).into_boxed(),
        conn,
    )?;
    with_memberships(conn, found)
}

/// The people attached to a sub-account, by name.
pub fn staff_of_sub_account(
    conn: &mut PgConnection,
    sub_account_id: SubAccountId,
) -> QueryResult<Vec<Member>> {
    let attached = sub_account_memberships::table
        .filter(sub_account_memberships::sub_account_id.eq(sub_account_id))
        .select(sub_account_memberships::user_id);
    let found = load_users(
        users::table.filter(users::id.eq_any(attached)).order((users::name, users::email)).into_boxed(),
        conn,
    )?;
    with_memberships(conn, found)
}

/// One user with their sub-accounts, locked for the rest of the transaction.
pub fn lock_member(conn: &mut PgConnection, id: UserId) -> QueryResult<Member> {
    let user = users::table.find(id).select(UserRow::as_select()).for_update().first(conn)?;
    Ok(with_memberships(conn, vec![User::from(user)])?.remove(0))
}

/// One user with their sub-accounts.
pub fn member(conn: &mut PgConnection, id: UserId) -> QueryResult<Member> {
    let user = users::table.find(id).select(UserRow::as_select()).first(conn)?;
    Ok(with_memberships(conn, vec![User::from(user)])?.remove(0))
}

/// Replaces a user's role and permissions (restricted to the role), and, when given,
/// their sub-accounts.
pub fn set_access(
    conn: &mut PgConnection,
    id: UserId,
    agency_id: AgencyId,
    role: Role,
    permissions: Permissions,
    sub_accounts: Option<&[SubAccountId]>,
) -> QueryResult<()> {
    let p = permissions.restricted_to(role);
    diesel::update(users::table.find(id))
        .set((
            users::role.eq(role),
            users::manage_agency_integrations.eq(p.manage_agency_integrations),
            users::manage_sub_account_integrations.eq(p.manage_sub_account_integrations),
            users::manage_team.eq(p.manage_team),
            users::manage_integrations.eq(p.manage_integrations),
            users::manage_staff.eq(p.manage_staff),
        ))
        .execute(conn)?;
    if let Some(sub_accounts) = sub_accounts {
        diesel::delete(sub_account_memberships::table.filter(sub_account_memberships::user_id.eq(id)))
            .execute(conn)?;
        attach(conn, id, agency_id, sub_accounts)?;
    }
    Ok(())
}

/// Detaches a user from one sub-account; how many sub-accounts they are left with.
pub fn detach(conn: &mut PgConnection, id: UserId, sub_account_id: SubAccountId) -> QueryResult<i64> {
    diesel::delete(
        sub_account_memberships::table
            .filter(sub_account_memberships::user_id.eq(id))
            .filter(sub_account_memberships::sub_account_id.eq(sub_account_id)),
    )
    .execute(conn)?;
    sub_account_memberships::table.filter(sub_account_memberships::user_id.eq(id)).count().get_result(conn)
}

/// Sets a person's phone (or clears it).
pub fn set_phone(conn: &mut PgConnection, id: UserId, phone: Option<&str>) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::phone.eq(phone)).execute(conn).map(drop)
}

/// Activates or deactivates a user.
pub fn set_active(conn: &mut PgConnection, id: UserId, active: bool) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::active.eq(active)).execute(conn).map(drop)
}

/// How many active team managers (agency admins with "Manage team") an agency has.
pub fn count_team_managers(conn: &mut PgConnection, agency_id: AgencyId) -> QueryResult<i64> {
    users::table
        .filter(users::agency_id.eq(agency_id))
        .filter(users::role.eq(Role::AgencyAdmin))
        .filter(users::manage_team.eq(true))
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)
}

/// Renames a user.
pub fn rename(conn: &mut PgConnection, id: UserId, name: &PersonName) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::name.eq(name.display()),
            users::first_name.eq(name.first()),
            users::last_name.eq(name.last()),
        ))
        .execute(conn)
        .map(drop)
}

/// Deletes a user; their sessions and memberships go with them.
pub fn delete(conn: &mut PgConnection, id: UserId) -> QueryResult<()> {
    diesel::delete(users::table.find(id)).execute(conn).map(drop)
}

/// The account-level people whose only sub-account is `sub_account`: they belong nowhere
/// once it goes.
pub fn only_in(conn: &mut PgConnection, sub_account: SubAccountId) -> QueryResult<Vec<UserId>> {
    sub_account_memberships::table
        .filter(sub_account_memberships::sub_account_id.eq(sub_account))
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "NOT EXISTS (SELECT 1 FROM sub_account_memberships others \
             WHERE others.user_id = sub_account_memberships.user_id \
             AND others.sub_account_id <> sub_account_memberships.sub_account_id)",
        ))
        .select(sub_account_memberships::user_id)
        .load(conn)
}

/// Deletes people.
pub fn delete_all(conn: &mut PgConnection, ids: &[UserId]) -> QueryResult<usize> {
    diesel::delete(users::table.filter(users::id.eq_any(ids))).execute(conn)
}

/// Whether a person wants notifications by email.
pub fn email_notifications(conn: &mut PgConnection, id: UserId) -> QueryResult<bool> {
    users::table.find(id).select(users::email_notifications).first(conn)
}

/// Turns a person's notification emails on or off; off also drops the emails they are
/// still owed.
pub fn set_email_notifications(conn: &mut PgConnection, id: UserId, on: bool) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::email_notifications.eq(on)).execute(conn)?;
    if !on {
        super::events::drop_owed_emails(conn, id)?;
    }
    Ok(())
}

/// The active people of an agency with whether each wants notification emails.
pub fn active_members_with_email_choice(
    conn: &mut PgConnection,
    agency_id: AgencyId,
) -> QueryResult<Vec<(Member, bool)>> {
    let members = members_of_agency(conn, agency_id)?;
    let choices: std::collections::HashMap<UserId, bool> = users::table
        .filter(users::agency_id.eq(agency_id))
        .select((users::id, users::email_notifications))
        .load::<(UserId, bool)>(conn)?
        .into_iter()
        .collect();
    Ok(members
        .into_iter()
        .filter(|member| member.user.active)
        .map(|member| {
            let email = choices.get(&member.user.id).copied().unwrap_or(true);
            (member, email)
        })
        .collect())
}
