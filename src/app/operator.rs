//! The operator's command line: trusted, outside any agency's rules of who may manage
//! whom (there is no agency to ask before the first one exists). Every command still
//! validates its input and runs in one transaction.

use crate::db::{self, audit::NewEvent, integrations::NewIntegration, users::NewPerson};
use crate::domain::audit::AuditAction;
use crate::domain::events::{Event, EventKind};
use crate::domain::ids::{AgencyId, SubAccountId};
use crate::domain::integration::{Description, Integration, IntegrationName, Owner};
use crate::domain::people::{DisplayName, Email, NewPassword, Permissions, PersonName, Role, User};
use crate::domain::scopes::ScopeSet;
use crate::domain::tenancy::{Agency, SubAccount};
use crate::domain::token::TokenSecret;

use super::{App, AppError, AppResult};

fn unknown_agency(agency: AgencyId) -> AppError {
    AppError::invalid("agency", format!("no agency has the id {agency}"))
}

/// A new agency.
#[tracing::instrument(skip_all)]
pub async fn create_agency(app: &App, name: DisplayName) -> AppResult<Agency> {
    let now = app.clock.now();
    app.write(move |conn| Ok(db::agencies::create(conn, &name, now)?)).await
}

/// A new sub-account of an agency.
#[tracing::instrument(skip_all)]
pub async fn create_sub_account(app: &App, agency: AgencyId, name: DisplayName) -> AppResult<SubAccount> {
    let now = app.clock.now();
    app.write(move |conn| {
        db::agencies::find(conn, agency).map_err(|error| match error {
            diesel::result::Error::NotFound => unknown_agency(agency),
            other => other.into(),
        })?;
        Ok(db::agencies::create_sub_account(conn, agency, &name, now)?)
    })
    .await
}

/// A person added by the operator.
#[derive(Debug)]
pub struct Newcomer {
    /// Their agency.
    pub agency_id: AgencyId,
    /// Their email.
    pub email: Email,
    /// Their name.
    pub name: DisplayName,
    /// Their role.
    pub role: Role,
    /// Their sub-accounts (account roles: at least one; agency roles: none).
    pub sub_accounts: Vec<SubAccountId>,
}

/// Checks where a newcomer is attached: account roles to at least one sub-account,
/// agency roles to none.
fn check_attachments(role: Role, sub_accounts: &[SubAccountId]) -> AppResult<()> {
    match (role.needs_sub_accounts(), sub_accounts.is_empty()) {
        (false, false) => Err(AppError::invalid(
            "subaccount",
            "--subaccount applies only to account-admin and account-user",
        )),
        (true, true) => Err(AppError::invalid(
            "subaccount",
            format!("{} needs at least one --subaccount", role.as_str().replace('_', "-")),
        )),
        _ => Ok(()),
    }
}

/// Inserts a hashed newcomer; the agency's first admin becomes its team manager.
fn insert(
    conn: &mut diesel::PgConnection,
    newcomer: Newcomer,
    hash: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<User> {
    let Newcomer { agency_id, email, name, role, sub_accounts } = newcomer;
    db::agencies::find(conn, agency_id).map_err(|error| match error {
        diesel::result::Error::NotFound => unknown_agency(agency_id),
        other => other.into(),
    })?;
    let first_admin = role == Role::AgencyAdmin && db::users::count_agency_admins(conn, agency_id)? == 0;
    let person = NewPerson {
        agency_id,
        email,
        name: PersonName::from_display(name),
        phone: None,
        role,
        permissions: Permissions::defaults(role, first_admin),
        sub_accounts,
    };
    super::people::insert(conn, &person, Some(hash), now)
}

/// Adds a person with a password.
#[tracing::instrument(skip_all)]
pub async fn create_user(app: &App, newcomer: Newcomer, password: NewPassword) -> AppResult<User> {
    check_attachments(newcomer.role, &newcomer.sub_accounts)?;
    let hash = app.passwords.hash(password).await?;
    let now = app.clock.now();
    app.write(move |conn| insert(conn, newcomer, &hash, now)).await
}

/// The person of this email, or a message saying there is none.
fn person(conn: &mut diesel::PgConnection, email: &Email) -> AppResult<User> {
    db::users::find_by_email(conn, email)?
        .map(|(user, _)| user)
        .ok_or_else(|| AppError::invalid("email", format!("no user has the email {}", email.as_str())))
}

/// An audit event by the operator.
fn by_operator(action: AuditAction, user: &User, now: chrono::DateTime<chrono::Utc>) -> NewEvent {
    NewEvent {
        agency_id: Some(user.agency_id),
        target_id: Some(user.id.0),
        target_label: Some(user.email.clone()),
        ..NewEvent::new(action, "operator (command line)", now)
    }
}

/// Sets a person's password; their sessions end.
#[tracing::instrument(skip_all)]
pub async fn set_password(app: &App, email: Email, password: NewPassword) -> AppResult<()> {
    let hash = app.passwords.hash(password).await?;
    let now = app.clock.now();
    app.write(move |conn| {
        let user = person(conn, &email)?;
        db::users::set_password_hash(conn, user.id, &hash)?;
        db::sessions::delete_for_user(conn, user.id)?;
        db::audit::record(conn, &by_operator(AuditAction::PasswordSet, &user, now))?;
        Ok(())
    })
    .await
}

/// Resets a person's two-factor (an operator's way back in for someone locked out of
/// their agency): it is off, their recovery codes are gone, their sessions end. Whether
/// they had it on.
#[tracing::instrument(skip_all)]
pub async fn reset_two_factor(app: &App, email: Email) -> AppResult<bool> {
    let now = app.clock.now();
    app.write(move |conn| {
        let user = person(conn, &email)?;
        let had = db::two_factor::remove(conn, user.id)?;
        db::sessions::delete_for_user(conn, user.id)?;
        db::audit::record(conn, &by_operator(AuditAction::TwoFactorReset, &user, now))?;
        Ok(had)
    })
    .await
}

/// Creates an integration for an agency or one of its sub-accounts from the command line
/// (provisioning, automation): the integration and its token, to print once.
#[tracing::instrument(skip_all)]
pub async fn create_integration(
    app: &App,
    owner: Owner,
    name: IntegrationName,
    description: Description,
    scopes: Vec<String>,
) -> AppResult<(Integration, TokenSecret)> {
    let scopes = ScopeSet::parse(&scopes, &app.catalog, owner.level())
        .map_err(|message| AppError::invalid("scope", message))?;
    let (token, issued) = super::tokens::issue(app);
    let now = app.clock.now();
    let label = "operator (command line)";
    let new = NewIntegration {
        owner,
        name,
        description,
        scopes,
        created_by: None,
        created_by_label: label.to_owned(),
    };
    let emails = app.outbox.emails();
    let integration = app
        .write(move |conn| {
            let agency = db::agencies::find(conn, owner.agency_id).map_err(|error| match error {
                diesel::result::Error::NotFound => unknown_agency(owner.agency_id),
                other => other.into(),
            })?;
            if let Some(sub) = owner.sub_account_id {
                let found = db::agencies::find_sub_account(conn, sub)
                    .ok()
                    .filter(|found| found.agency_id == agency.id);
                if found.is_none() {
                    return Err(AppError::invalid(
                        "subaccount",
                        format!("agency {} has no sub-account {sub}", agency.id),
                    ));
                }
            }
            let integration = db::integrations::create(conn, &new, &issued, now)?;
            let event = NewEvent {
                agency_id: Some(owner.agency_id),
                sub_account_id: owner.sub_account_id,
                target_id: Some(integration.id.0),
                target_label: Some(integration.name.clone()),
                details: serde_json::json!({ "scopes": new.scopes.names() }),
                ..NewEvent::new(AuditAction::IntegrationCreate, label, now)
            };
            db::audit::record(conn, &event)?;
            let told = Event::about(EventKind::IntegrationCreated, &integration, serde_json::json!({}), now);
            super::outbox::publish(conn, emails, &told)?;
            Ok(integration)
        })
        .await?;
    Ok((integration, token))
}

/// A demo person: email, name, role and the index of their sub-account, if any.
pub type DemoPerson = (&'static str, &'static str, Role, Option<usize>);

/// Seeds a demo agency with its sub-accounts and people, all or nothing; refused if its
/// first person exists already. The people's passwords are given in the same order.
#[tracing::instrument(skip_all)]
pub async fn seed_demo(
    app: &App,
    agency_name: DisplayName,
    sub_accounts: Vec<DisplayName>,
    people: Vec<(DemoPerson, NewPassword)>,
) -> AppResult<Agency> {
    let mut hashed = Vec::new();
    for ((email, name, role, sub), password) in people {
        let email = Email::parse(email).map_err(|message| AppError::invalid("email", message))?;
        let name = DisplayName::parse(name).map_err(|message| AppError::invalid("name", message))?;
        hashed.push((email, name, role, sub, app.passwords.hash(password).await?));
    }
    let now = app.clock.now();
    app.write(move |conn| {
        if let Some((email, ..)) = hashed.first()
            && db::users::find_by_email(conn, email)?.is_some()
        {
            return Err(AppError::Refused(format!(
                "the demo agency already exists (sign in as {})",
                email.as_str()
            )));
        }
        let agency = db::agencies::create(conn, &agency_name, now)?;
        let mut subs = Vec::new();
        for name in &sub_accounts {
            subs.push(db::agencies::create_sub_account(conn, agency.id, name, now)?);
        }
        for (email, name, role, sub, hash) in hashed {
            let sub_accounts = sub.and_then(|index| subs.get(index)).map(|sub| sub.id).into_iter().collect();
            insert(conn, Newcomer { agency_id: agency.id, email, name, role, sub_accounts }, &hash, now)?;
        }
        Ok(agency)
    })
    .await
}
