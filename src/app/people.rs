//! People: Team (agency) and My Staff (sub-account) for those who manage them, the
//! `/v2/users` API for tokens, and the operator's CLI. A change of role or permission
//! applies to the person's very next request, because every request reads them afresh.

use chrono::{DateTime, Utc};
use diesel::PgConnection;

use crate::db::{self, audit::NewEvent, users::CreateUserError, users::NewPerson};
use crate::domain::access::{Action, Context, Placement, TokenDenial};
use crate::domain::audit::AuditAction;
use crate::domain::ids::{AgencyId, SubAccountId, UserId};
use crate::domain::people::{DisplayName, Email, Member, NewPassword, Permissions, PersonName, Role, User};
use crate::domain::tenancy::SubAccount;

use super::two_factor::Check;
use super::{App, AppError, AppResult, Requester};
use crate::domain::contacts::Change;

/// The refusal when a change would leave the agency without an active team manager.
pub const NEEDS_A_TEAM_MANAGER: &str =
    "This agency needs at least one active team manager. Give another agency admin “Manage team” first.";

/// The refusal when an account role comes without a sub-account on the Team page.
pub const ACCOUNT_ROLE_NEEDS_A_SUB_ACCOUNT: &str = "Choose at least one sub-account for an account role.";

/// "The last team manager" guard, checked inside the transaction after a change. The
/// transaction took the agency's lock first ([`db::agencies::lock`]), so two changes
/// running at once are checked one after the other.
fn keep_a_team_manager(conn: &mut PgConnection, agency: AgencyId) -> AppResult<()> {
    if db::users::count_team_managers(conn, agency)? == 0 {
        return Err(AppError::Refused(NEEDS_A_TEAM_MANAGER.into()));
    }
    Ok(())
}

/// The people of a context's Team (everyone of the agency) or My Staff (the people
/// attached to the sub-account).
#[tracing::instrument(skip_all, fields(?context))]
pub async fn list(app: &App, by: &Requester, context: Context) -> AppResult<Vec<Member>> {
    AppError::check(by.person()?.decide(Action::ManageTeam, context))?;
    app.read(move |conn| {
        Ok(match context {
            Context::Agency(agency) => db::users::members_of_agency(conn, agency)?,
            Context::SubAccount { id, .. } => db::users::staff_of_sub_account(conn, id)?,
        })
    })
    .await
}

/// A person the requester may manage from the page of `context`; not found (or
/// forbidden) otherwise.
#[tracing::instrument(skip_all, fields(?context, %id))]
pub async fn manageable(app: &App, by: &Requester, context: Context, id: UserId) -> AppResult<Member> {
    let actor = by.person()?.clone();
    let member = app.read(move |conn| Ok(db::users::member(conn, id)?)).await?;
    AppError::check(actor.decide_on_person(context, &member.person()))?;
    Ok(member)
}

/// A person the requester may change from the page of `context`: someone they may manage,
/// never themselves, and from My Staff only someone wholly of sub-accounts they manage.
async fn changeable(app: &App, by: &Requester, context: Context, id: UserId) -> AppResult<Member> {
    let member = manageable(app, by, context, id).await?;
    AppError::check(by.person()?.decide_change(context, &member.person()))?;
    Ok(member)
}

/// Whether the requester may change this person (their page shows the form, or says
/// "ask another team manager").
pub fn may_change(by: &Requester, context: Context, member: &Member) -> bool {
    by.person().is_ok_and(|actor| {
        actor.decide_change(context, &member.person()) == crate::domain::access::Decision::Allow
    })
}

/// How many live sessions a person has (shown on their page).
#[tracing::instrument(skip_all)]
pub async fn session_count(app: &App, by: &Requester, context: Context, id: UserId) -> AppResult<i64> {
    manageable(app, by, context, id).await?;
    let now = app.clock.now();
    app.read(move |conn| Ok(db::sessions::count_for_user(conn, id, now)?)).await
}

/// The sub-accounts the requester reaches (for choosing a person's sub-accounts).
async fn reachable_sub_accounts(app: &App, by: &Requester) -> AppResult<Vec<SubAccount>> {
    let actor = by.person()?.clone();
    let agency = actor.agency_id;
    let all = app.read(move |conn| Ok(db::agencies::sub_accounts_of(conn, agency)?)).await?;
    Ok(all.into_iter().filter(|sub| actor.reaches(sub.context())).collect())
}

/// A person to add from Team or My Staff.
#[derive(Debug)]
pub struct Newcomer {
    /// Their name.
    pub name: DisplayName,
    /// Their email.
    pub email: Email,
    /// Their role.
    pub role: Role,
    /// Their initial password, handed over by the manager.
    pub password: NewPassword,
    /// The sub-accounts chosen for an account role on the Team page.
    pub sub_accounts: Vec<SubAccountId>,
}

/// Whether `role` may be given from the page of `context`.
fn assignable(by: &Requester, context: Context, role: Role) -> AppResult<()> {
    if by.person()?.assignable_roles(context).contains(&role) {
        Ok(())
    } else {
        Err(AppError::invalid("role", "Choose one of the roles offered."))
    }
}

/// The sub-accounts chosen on Team for an account role: at least one, and every one the
/// manager's to give — an id of another agency's sub-account (or a made-up one) refuses
/// the whole choice rather than being dropped quietly.
async fn chosen_sub_accounts(
    app: &App,
    by: &Requester,
    wanted: &[SubAccountId],
) -> AppResult<Vec<SubAccountId>> {
    let reachable = reachable_sub_accounts(app, by).await?;
    let all_reachable = wanted.iter().all(|id| reachable.iter().any(|sub| sub.id == *id));
    let chosen: Vec<SubAccountId> =
        reachable.iter().map(|sub| sub.id).filter(|id| wanted.contains(id)).collect();
    if chosen.is_empty() || !all_reachable {
        return Err(AppError::invalid("sub_accounts", ACCOUNT_ROLE_NEEDS_A_SUB_ACCOUNT));
    }
    Ok(chosen)
}

/// Adds a person with the role's default permissions, cut down to what the manager holds
/// (nobody gains what nobody granted). On My Staff they join the sub-account; on Team an
/// account role needs at least one sub-account.
#[tracing::instrument(skip_all, fields(?context, role = ?newcomer.role))]
pub async fn create(app: &App, by: &Requester, context: Context, newcomer: Newcomer) -> AppResult<User> {
    AppError::check(by.person()?.decide(Action::ManageTeam, context))?;
    assignable(by, context, newcomer.role)?;
    let sub_accounts = match context {
        Context::SubAccount { id, .. } => vec![id],
        Context::Agency(_) if !newcomer.role.needs_sub_accounts() => Vec::new(),
        Context::Agency(_) => chosen_sub_accounts(app, by, &newcomer.sub_accounts).await?,
    };
    let permissions = by.person()?.permissions_for(
        newcomer.role,
        Permissions::defaults(newcomer.role, false),
        Permissions::default(),
    );
    let hash = app.passwords.hash(newcomer.password).await?;
    let person = NewPerson {
        agency_id: context.agency_id(),
        email: newcomer.email,
        name: PersonName::from_display(newcomer.name),
        phone: None,
        role: newcomer.role,
        permissions,
        sub_accounts,
    };
    let now = app.clock.now();
    let event = by.event(AuditAction::UserCreate, context.agency_id(), context.sub_account_id(), now);
    app.write(move |conn| {
        db::agencies::lock(conn, person.agency_id)?;
        let user = insert(conn, &person, Some(&hash), now)?;
        db::audit::record(
            conn,
            &NewEvent {
                target_id: Some(user.id.0),
                target_label: Some(user.email.clone()),
                details: serde_json::json!({ "role": person.role.as_str(), "sub_accounts": person.sub_accounts }),
                ..event
            },
        )?;
        Ok(user)
    })
    .await
}

/// Inserts a person; a taken email is invalid input.
pub(super) fn insert(
    conn: &mut PgConnection,
    person: &NewPerson,
    hash: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<User> {
    match db::users::create(conn, person, hash, now) {
        Ok(user) => Ok(user),
        Err(CreateUserError::EmailTaken) => {
            Err(AppError::conflict("email", "A user with this email already exists."))
        }
        Err(CreateUserError::ForeignSubAccount(_)) => Err(AppError::Token(TokenDenial::Location)),
        Err(CreateUserError::Database(error)) => Err(error.into()),
    }
}

/// A change to a person's Roles & Permissions, as submitted.
#[derive(Debug, Clone)]
pub struct AccessChange {
    /// Their role.
    pub role: Role,
    /// The toggles as submitted (ignored when the role changes: a new role starts from
    /// its defaults).
    pub permissions: Permissions,
    /// The sub-accounts chosen on the Team page (ignored on My Staff).
    pub sub_accounts: Vec<SubAccountId>,
}

/// Saves Roles & Permissions (and sub-accounts, on the Team page). Toggles the manager
/// does not hold keep their value; a new role starts from its defaults, cut down to what
/// the manager holds.
#[tracing::instrument(skip_all, fields(?context, %id))]
pub async fn update_access(
    app: &App,
    by: &Requester,
    context: Context,
    id: UserId,
    change: AccessChange,
) -> AppResult<Member> {
    let member = changeable(app, by, context, id).await?;
    assignable(by, context, change.role)?;
    let role = change.role;
    let before = member.user.role;
    let actor = by.person()?;
    let permissions = if role == before {
        actor.permissions_for(role, change.permissions, member.user.permissions)
    } else {
        actor.permissions_for(role, Permissions::defaults(role, false), Permissions::default())
    };
    let sub_accounts: Option<Vec<SubAccountId>> = match context {
        Context::Agency(_) if !role.needs_sub_accounts() => Some(Vec::new()),
        Context::Agency(_) => Some(chosen_sub_accounts(app, by, &change.sub_accounts).await?),
        Context::SubAccount { .. } => None,
    };
    let agency = context.agency_id();
    let now = app.clock.now();
    let event = NewEvent {
        target_id: Some(id.0),
        target_label: Some(member.user.email.clone()),
        details: serde_json::json!({
            "before": { "role": before.as_str(), "permissions": member.user.permissions, "sub_accounts": member.sub_accounts },
            "after": { "role": role.as_str(), "permissions": permissions, "sub_accounts": sub_accounts.as_ref().unwrap_or(&member.sub_accounts) },
        }),
        ..by.event(AuditAction::UserUpdate, agency, context.sub_account_id(), now)
    };
    app.write(move |conn| {
        db::agencies::lock(conn, agency)?;
        db::users::lock_member(conn, id)?;
        db::users::set_access(conn, id, agency, role, permissions, sub_accounts.as_deref())?;
        keep_a_team_manager(conn, agency)?;
        db::audit::record(conn, &event)?;
        Ok(db::users::member(conn, id)?)
    })
    .await
}

/// Deactivates (their sessions end at once) or reactivates a person.
#[tracing::instrument(skip_all, fields(?context, %id, active))]
pub async fn set_active(
    app: &App,
    by: &Requester,
    context: Context,
    id: UserId,
    active: bool,
) -> AppResult<Member> {
    let member = changeable(app, by, context, id).await?;
    let agency = context.agency_id();
    let action = if active { AuditAction::UserReactivate } else { AuditAction::UserDeactivate };
    let event = NewEvent {
        target_id: Some(id.0),
        target_label: Some(member.user.email.clone()),
        ..by.event(action, agency, context.sub_account_id(), app.clock.now())
    };
    app.write(move |conn| {
        db::agencies::lock(conn, agency)?;
        db::users::lock_member(conn, id)?;
        db::users::set_active(conn, id, active)?;
        if !active {
            db::sessions::delete_for_user(conn, id)?;
        }
        keep_a_team_manager(conn, agency)?;
        db::audit::record(conn, &event)?;
        Ok(())
    })
    .await?;
    Ok(member)
}

/// Ends every session of a person; how many ended.
#[tracing::instrument(skip_all, fields(?context, %id))]
pub async fn sign_out_everywhere(
    app: &App,
    by: &Requester,
    context: Context,
    id: UserId,
) -> AppResult<(Member, usize)> {
    let member = manageable(app, by, context, id).await?;
    let event = NewEvent {
        target_id: Some(id.0),
        target_label: Some(member.user.email.clone()),
        ..by.event(
            AuditAction::UserSignOutEverywhere,
            context.agency_id(),
            context.sub_account_id(),
            app.clock.now(),
        )
    };
    let ended = app
        .write(move |conn| {
            let ended = db::sessions::delete_for_user(conn, id)?;
            db::audit::record(conn, &event)?;
            Ok(ended)
        })
        .await?;
    Ok((member, ended))
}

/// Changes the requester's own password, given their current one; every session of theirs
/// ends (how many). The caller carries the current session on under a new id.
#[tracing::instrument(skip_all)]
pub async fn change_password(
    app: &App,
    by: &Requester,
    current: String,
    new: NewPassword,
) -> AppResult<usize> {
    let actor = by.person()?.clone();
    let id = actor.id;
    let member =
        app.read(move |conn| Ok(db::users::active_member(conn, id)?)).await?.ok_or(AppError::NotFound)?;
    let check = super::two_factor::check_password(
        app,
        by,
        &member.user,
        current,
        "password change",
        None,
        AuditAction::PasswordChangeFailed,
    )
    .await?;
    match check {
        Check::Passed { .. } => {}
        Check::Refused(_) => {
            return Err(AppError::invalid("current_password", "That is not your current password."));
        }
        Check::Throttled(wait) => {
            let minutes = wait.div_ceil(60);
            return Err(AppError::invalid(
                "current_password",
                format!(
                    "Too many attempts. Wait {minutes} {}, then try again.",
                    if minutes == 1 { "minute" } else { "minutes" }
                ),
            ));
        }
    }
    let hash = app.passwords.hash(new).await?;
    let event = by.event(AuditAction::PasswordChange, actor.agency_id, None, app.clock.now());
    app.write(move |conn| {
        db::users::set_password_hash(conn, actor.id, &hash)?;
        let ended = db::sessions::delete_for_user(conn, actor.id)?;
        db::audit::record(conn, &event)?;
        Ok(ended)
    })
    .await
}

// ---------------------------------------------------------------------------------------
// Through a token: `/v2/users`.

/// The people a token sees: its agency's, or its sub-account's staff.
#[tracing::instrument(skip_all)]
pub async fn visible_to_token(app: &App, by: &Requester) -> AppResult<Vec<Member>> {
    let owner = by.caller()?.owner;
    app.read(move |conn| {
        Ok(match owner.sub_account_id {
            None => db::users::members_of_agency(conn, owner.agency_id)?,
            Some(sub) => db::users::staff_of_sub_account(conn, sub)?,
        })
    })
    .await
}

/// How a search of people is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeopleOrder {
    /// By first then last name (the default).
    #[default]
    Name,
    /// By first name.
    FirstName,
    /// By last name.
    LastName,
    /// By email.
    Email,
    /// By when they were added.
    DateAdded,
}

/// A search of the people a token sees.
#[derive(Debug, Clone, Default)]
pub struct PeopleSearch {
    /// Text in the name, email or phone (case-insensitive).
    pub text: Option<String>,
    /// Only people of this location.
    pub location: Option<SubAccountId>,
    /// Only agency-level (true) or account-level (false) people.
    pub agency_level: Option<bool>,
    /// Only admins (true) or plain users (false).
    pub admin: Option<bool>,
    /// Only these people.
    pub ids: Option<Vec<UserId>>,
    /// Only these emails (lower-cased).
    pub emails: Option<Vec<String>>,
    /// The order.
    pub order: PeopleOrder,
    /// Reversed.
    pub descending: bool,
    /// How many to skip.
    pub skip: usize,
    /// How many to return.
    pub limit: usize,
}

/// The people a token sees that match: the page and how many match in all.
#[tracing::instrument(skip_all)]
pub async fn search_by_token(
    app: &App,
    by: &Requester,
    search: PeopleSearch,
) -> AppResult<(Vec<Member>, usize)> {
    let visible = visible_to_token(app, by).await?;
    let text = search.text.as_deref().map(str::to_lowercase);
    let mut found: Vec<Member> = visible
        .into_iter()
        .filter(|member| {
            let user = &member.user;
            text.as_ref().is_none_or(|text| {
                [Some(user.name.as_str()), Some(user.email.as_str()), user.phone.as_deref()]
                    .into_iter()
                    .flatten()
                    .any(|value| value.to_lowercase().contains(text))
            }) && search
                .location
                .is_none_or(|location| user.role.is_agency_level() || member.sub_accounts.contains(&location))
                && search.agency_level.is_none_or(|agency| user.role.is_agency_level() == agency)
                && search.admin.is_none_or(|admin| user.role.is_admin() == admin)
                && search.ids.as_ref().is_none_or(|ids| ids.contains(&user.id))
                && search.emails.as_ref().is_none_or(|emails| emails.contains(&user.email))
        })
        .collect();
    found.sort_by(|a, b| {
        let (a, b) = (&a.user, &b.user);
        let key = match search.order {
            PeopleOrder::Name => (a.first_name.to_lowercase(), a.last_name.to_lowercase())
                .cmp(&(b.first_name.to_lowercase(), b.last_name.to_lowercase())),
            PeopleOrder::FirstName => a.first_name.to_lowercase().cmp(&b.first_name.to_lowercase()),
            PeopleOrder::LastName => a.last_name.to_lowercase().cmp(&b.last_name.to_lowercase()),
            PeopleOrder::Email => a.email.cmp(&b.email),
            PeopleOrder::DateAdded => a.created_at.cmp(&b.created_at),
        };
        let key = key.then_with(|| a.id.cmp(&b.id));
        if search.descending { key.reverse() } else { key }
    });
    let total = found.len();
    Ok((found.into_iter().skip(search.skip).take(search.limit).collect(), total))
}

/// One person within the token's reach.
#[tracing::instrument(skip_all)]
pub async fn reachable_by_token(app: &App, by: &Requester, id: UserId) -> AppResult<Member> {
    let caller = by.caller()?.clone();
    let member = app.read(move |conn| Ok(db::users::member(conn, id).ok())).await?;
    match member {
        Some(member) if caller.reaches_member(&member) => Ok(member),
        _ => Err(TokenDenial::Location.into()),
    }
}

/// Why a person cannot be placed as asked; `on_update` when their current state is why
/// (a conflict), else the request itself (invalid).
fn placed(placement: Placement, on_update: bool) -> AppError {
    match placement {
        Placement::AgencyRoleFromSubAccount => TokenDenial::AgencyRole.into(),
        Placement::NoLocation if on_update => {
            AppError::conflict("locationIds", "An account role needs at least one location.")
        }
        Placement::NoLocation => {
            AppError::invalid("locationIds", "An account role needs at least one location.")
        }
        Placement::Outside => TokenDenial::Location.into(),
    }
}

async fn agency_sub_account_ids(app: &App, agency: AgencyId) -> AppResult<Vec<SubAccountId>> {
    Ok(app
        .read(move |conn| Ok(db::agencies::sub_accounts_of(conn, agency)?))
        .await?
        .into_iter()
        .map(|sub| sub.id)
        .collect())
}

/// A person to add through the API.
#[derive(Debug)]
pub struct ApiNewcomer {
    /// Their name.
    pub name: PersonName,
    /// Their phone.
    pub phone: Option<String>,
    /// Their email.
    pub email: Email,
    /// Their role.
    pub role: Role,
    /// The locations asked for.
    pub location_ids: Option<Vec<SubAccountId>>,
    /// An initial password, if any.
    pub password: Option<NewPassword>,
}

/// Adds a person through a token. People written through a token receive no permission.
#[tracing::instrument(skip_all, fields(role = ?newcomer.role))]
pub async fn create_by_token(app: &App, by: &Requester, newcomer: ApiNewcomer) -> AppResult<Member> {
    let caller = by.caller()?.clone();
    caller.may_write_person(None, newcomer.role)?;
    let subs = agency_sub_account_ids(app, caller.owner.agency_id).await?;
    let sub_accounts = caller
        .placement(newcomer.role, newcomer.location_ids.as_deref(), &[], &subs)
        .map_err(|placement| placed(placement, false))?;
    let hash = match newcomer.password {
        Some(password) => Some(app.passwords.hash(password).await?),
        None => None,
    };
    let person = NewPerson {
        agency_id: caller.owner.agency_id,
        email: newcomer.email,
        name: newcomer.name,
        phone: newcomer.phone,
        role: newcomer.role,
        // No escalation through a token: no permission at all.
        permissions: Permissions::default(),
        sub_accounts,
    };
    let now = app.clock.now();
    let event =
        by.event(AuditAction::ApiUserCreate, caller.owner.agency_id, caller.owner.sub_account_id, now);
    app.write(move |conn| {
        db::agencies::lock(conn, person.agency_id)?;
        let user = insert(conn, &person, hash.as_deref(), now)?;
        db::audit::record(
            conn,
            &NewEvent { target_id: Some(user.id.0), target_label: Some(user.email.clone()), ..event },
        )?;
        Ok(db::users::member(conn, user.id)?)
    })
    .await
}

/// A change to a person through the API; absent fields stay as they are.
#[derive(Debug, Default)]
pub struct ApiChange {
    /// A new first name (as typed; checked with the last name).
    pub first_name: Option<String>,
    /// A new last name.
    pub last_name: Option<String>,
    /// A new phone (already parsed).
    pub phone: Change<String>,
    /// A new role.
    pub role: Option<Role>,
    /// New locations.
    pub location_ids: Option<Vec<SubAccountId>>,
}

/// Changes a person's name, role and locations through a token: never an admin, and a
/// sub-account's token never touches anyone's other sub-accounts, nor changes who a person
/// is when they belong to another. People written through
/// a token hold no permission (their roles have none).
#[tracing::instrument(skip_all, fields(%id))]
pub async fn update_by_token(app: &App, by: &Requester, id: UserId, change: ApiChange) -> AppResult<Member> {
    let caller = by.caller()?.clone();
    let member = reachable_by_token(app, by, id).await?;
    let before = member.user.role;
    let role = change.role.unwrap_or(before);
    caller.may_write_person(Some(before), role)?;
    let subs = agency_sub_account_ids(app, caller.owner.agency_id).await?;
    let sub_accounts = caller
        .placement(role, change.location_ids.as_deref(), &member.sub_accounts, &subs)
        .map_err(|placement| placed(placement, true))?;
    let permissions = Permissions::default();
    let agency = caller.owner.agency_id;
    let event = NewEvent {
        target_id: Some(id.0),
        target_label: Some(member.user.email.clone()),
        details: serde_json::json!({
            "before": { "role": before.as_str(), "sub_accounts": member.sub_accounts },
            "after": { "role": role.as_str(), "sub_accounts": sub_accounts },
        }),
        ..by.event(AuditAction::ApiUserUpdate, agency, caller.owner.sub_account_id, app.clock.now())
    };
    let name = match (change.first_name, change.last_name) {
        (None, None) => None,
        (first, last) => Some(
            PersonName::parse(
                first.as_deref().unwrap_or(&member.user.first_name),
                last.as_deref().unwrap_or(&member.user.last_name),
            )
            .map_err(|(field, message)| AppError::invalid(field, message))?,
        ),
    };
    let mut phone = member.user.phone.clone();
    change.phone.apply(&mut phone);
    let renamed = name
        .as_ref()
        .is_some_and(|name| name.first() != member.user.first_name || name.last() != member.user.last_name);
    if renamed || phone != member.user.phone || role != before {
        caller.may_edit_person(&member)?;
    }
    app.write(move |conn| {
        db::agencies::lock(conn, agency)?;
        db::users::lock_member(conn, id)?;
        if let Some(name) = &name {
            db::users::rename(conn, id, name)?;
        }
        db::users::set_phone(conn, id, phone.as_deref())?;
        db::users::set_access(conn, id, agency, role, permissions, Some(&sub_accounts))?;
        keep_a_team_manager(conn, agency)?;
        db::audit::record(conn, &event)?;
        Ok(db::users::member(conn, id)?)
    })
    .await
}

/// Removes a person through a token (never an admin). A sub-account's token removes
/// them from its sub-account only; they leave the agency once they belong nowhere. The
/// person as they were, and whether they left the agency.
#[tracing::instrument(skip_all, fields(%id))]
pub async fn delete_by_token(app: &App, by: &Requester, id: UserId) -> AppResult<(Member, bool)> {
    let caller = by.caller()?.clone();
    let member = reachable_by_token(app, by, id).await?;
    caller.may_write_person(Some(member.user.role), member.user.role)?;
    let agency = caller.owner.agency_id;
    let own = caller.owner.sub_account_id;
    let event = NewEvent {
        target_id: Some(id.0),
        target_label: Some(member.user.email.clone()),
        ..by.event(AuditAction::ApiUserDelete, agency, caller.owner.sub_account_id, app.clock.now())
    };
    app.write(move |conn| {
        db::agencies::lock(conn, agency)?;
        db::users::lock_member(conn, id)?;
        let left = match own {
            Some(sub_account) => db::users::detach(conn, id, sub_account)?,
            None => 0,
        };
        if left == 0 {
            db::users::delete(conn, id)?;
        }
        keep_a_team_manager(conn, agency)?;
        db::audit::record(conn, &event)?;
        Ok(left == 0)
    })
    .await
    .map(|gone| (member, gone))
}
