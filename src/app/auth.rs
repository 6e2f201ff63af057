//! Signing in, and the one-time set-up of a new installation.
//!
//! A wrong email and a wrong password get the same answer and cost the same work (an
//! unknown email is verified against a decoy hash). After repeated failures for one
//! email or from one address, attempts are refused for a while without checking the
//! password at all.

use chrono::Duration;
use sha2::{Digest as _, Sha256};

use crate::db::{self, audit::NewEvent, users::NewPerson};
use crate::domain::audit::AuditAction;
use crate::domain::people::{DisplayName, Email, NewPassword, Permissions, Role, User};

use super::{App, AppError, AppResult, random};

/// How far back failures count.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// Failures for one email within the window before sign-in is refused.
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
/// Failures from one IP address within the window before sign-in is refused.
pub const MAX_FAILURES_PER_IP: i64 = 20;

/// How a sign-in attempt ended.
#[derive(Debug)]
pub enum SignIn {
    /// The credentials are right: this person signs in.
    SignedIn(User),
    /// Wrong email or password (never told apart).
    Refused,
    /// Too many recent failures for this email or from this address.
    Throttled,
}

/// Checks credentials typed on the sign-in page, from `ip`.
#[tracing::instrument(skip_all)]
pub async fn sign_in(app: &App, email: Email, password: String, ip: String) -> AppResult<SignIn> {
    let since = app.clock.now() - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let (lookup_email, lookup_ip) = (email.clone(), ip.clone());
    let (failures, found) = app
        .read(move |conn| {
            let failures = db::sign_in::recent_failures(conn, lookup_email.as_str(), &lookup_ip, since)?;
            Ok((failures, db::users::find_by_email(conn, &lookup_email)?))
        })
        .await?;
    if failures.0 >= MAX_FAILURES_PER_EMAIL || failures.1 >= MAX_FAILURES_PER_IP {
        tracing::warn!(%ip, "sign-in throttled");
        return Ok(SignIn::Throttled);
    }
    let agency_id = found.as_ref().map(|(user, _)| user.agency_id);
    let usable = found.filter(|(user, _)| user.active);
    let hash = usable.as_ref().and_then(|(_, hash)| hash.clone());
    let verified = app.passwords.verify(password, hash).await?;
    let now = app.clock.now();
    match usable.filter(|_| verified) {
        Some((user, _)) => {
            let event = NewEvent {
                agency_id: Some(user.agency_id),
                actor_user_id: Some(user.id),
                ip: Some(ip),
                ..NewEvent::new(AuditAction::SignIn, &user.email, now)
            };
            app.write(move |conn| {
                db::sign_in::clear_for_email(conn, email.as_str())?;
                db::audit::record(conn, &event)?;
                Ok(())
            })
            .await?;
            tracing::info!(user_id = %user.id, "signed in");
            Ok(SignIn::SignedIn(user))
        }
        None => {
            let event = NewEvent {
                agency_id,
                ip: Some(ip.clone()),
                ..NewEvent::new(AuditAction::SignInFailed, email.as_str(), now)
            };
            app.write(move |conn| {
                db::sign_in::record_failure(conn, email.as_str(), &ip, now)?;
                db::audit::record(conn, &event)?;
                Ok(())
            })
            .await?;
            Ok(SignIn::Refused)
        }
    }
}

/// The digest under which a setup token is stored.
fn setup_digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// On an installation without any agency, issues the one-time set-up link (replacing
/// any earlier one).
#[tracing::instrument(skip_all)]
pub async fn issue_setup_link(app: &App) -> AppResult<Option<String>> {
    let now = app.clock.now();
    let public_url = app.config.public_url.clone();
    app.write(move |conn| {
        if db::agencies::any_exists(conn)? {
            return Ok(None);
        }
        let token = random::base62(32);
        db::setup::replace(conn, &setup_digest(&token), now)?;
        Ok(Some(format!("{public_url}/setup/{token}")))
    })
    .await
}

/// Whether `token` is the live set-up link.
#[tracing::instrument(skip_all)]
pub async fn setup_link_is_valid(app: &App, token: &str) -> AppResult<bool> {
    let digest = setup_digest(token);
    app.read(move |conn| Ok(db::setup::is_valid(conn, &digest)?)).await
}

/// What the set-up page asks for.
#[derive(Debug)]
pub struct Setup {
    /// The agency's name.
    pub agency_name: DisplayName,
    /// The first admin's name.
    pub name: DisplayName,
    /// Their email.
    pub email: Email,
    /// Their password.
    pub password: NewPassword,
}

/// Creates the agency and its first admin (a team manager) with the one-time link; the
/// link dies with it. Not found if the link is not (or no longer) valid.
#[tracing::instrument(skip_all)]
pub async fn set_up(app: &App, token: &str, setup: Setup, ip: String) -> AppResult<User> {
    let password_hash = app.passwords.hash(setup.password).await?;
    let now = app.clock.now();
    let digest = setup_digest(token);
    let user = app
        .read(move |conn| {
            conn.build_transaction().serializable().run(|conn| {
                if !db::setup::consume(conn, &digest)? || db::agencies::any_exists(conn)? {
                    return Err(AppError::NotFound);
                }
                let agency = db::agencies::create(conn, &setup.agency_name, now)?;
                let person = NewPerson {
                    agency_id: agency.id,
                    email: setup.email,
                    name: setup.name,
                    role: Role::AgencyAdmin,
                    permissions: Permissions::defaults(Role::AgencyAdmin, true),
                    sub_accounts: Vec::new(),
                };
                let user = db::users::create(conn, &person, Some(&password_hash), now)
                    .map_err(|error| AppError::Internal(error.into()))?;
                db::audit::record(
                    conn,
                    &NewEvent {
                        agency_id: Some(agency.id),
                        actor_user_id: Some(user.id),
                        target_id: Some(agency.id.0),
                        target_label: Some(agency.name.clone()),
                        ip: Some(ip),
                        ..NewEvent::new(AuditAction::AgencySetup, &user.email, now)
                    },
                )?;
                Ok(user)
            })
        })
        .await?;
    tracing::info!(user_id = %user.id, "installation set up");
    Ok(user)
}
