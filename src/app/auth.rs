//! Signing in, and the one-time set-up of a new installation.
//!
//! A wrong email and a wrong password get the same answer and cost the same work (an
//! unknown email is verified against a decoy hash). Guessing is throttled (the policy is
//! in `SECURITY.md`), and each attempt takes its slot before its password is checked, so
//! parallel attempts are counted one after another:
//!
//! - 5 attempts for one email from one address within 15 minutes;
//! - 20 attempts from one address, whatever the emails;
//! - 20 attempts for one email from all addresses — except from a browser that signed in
//!   as that person before (it holds a signed *device cookie*), so that an attacker
//!   spreading guesses over many addresses cannot lock the real user out.
//!
//! Refused attempts are told how long to wait; the password is not checked at all then.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest as _, Sha256};

use crate::db::{self, audit::NewEvent, users::NewPerson};
use crate::domain::audit::AuditAction;
use crate::domain::ids::UserId;
use crate::domain::people::{DisplayName, Email, NewPassword, Permissions, PersonName, Role, User};

use super::keys::Purpose;
use super::{App, AppError, AppResult, random};

/// How far back attempts count.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// Attempts for one email from one address within the window.
pub const MAX_ATTEMPTS_PER_EMAIL_AND_ADDRESS: i64 = 5;
/// Attempts from one address within the window, whatever the emails.
pub const MAX_ATTEMPTS_PER_ADDRESS: i64 = 20;
/// Attempts for one email from every address within the window, for browsers without
/// that person's device cookie.
pub const MAX_ATTEMPTS_PER_EMAIL: i64 = 20;
/// How long a device cookie is honoured.
pub const DEVICE_DAYS: i64 = 180;
/// How long a printed set-up link works.
pub const SETUP_LINK_HOURS: i64 = 24;

/// How a sign-in attempt ended.
#[derive(Debug)]
pub enum SignIn {
    /// The credentials are right: this person signs in, and their browser gets this
    /// device cookie.
    SignedIn {
        /// The person.
        user: User,
        /// The signed value of their new device cookie.
        device: String,
    },
    /// The password is right and two-factor is on: the person signs in once they give
    /// their code (or a recovery code).
    SecondStep(User),
    /// Wrong email or password (never told apart).
    Refused,
    /// Too many recent attempts; try again after this many seconds.
    Throttled(u64),
}

/// The person a device cookie vouches for, if it is genuine and recent.
fn device_of(app: &App, cookie: Option<&str>, now: DateTime<Utc>) -> Option<UserId> {
    let value = app.keys.verify(Purpose::Device, cookie?)?;
    let (user, issued) = value.split_once(':')?;
    let issued = DateTime::<Utc>::from_timestamp(issued.parse().ok()?, 0)?;
    (now - issued < Duration::days(DEVICE_DAYS)).then(|| user.parse().ok()).flatten()
}

/// A device cookie for `user`, signed.
fn device_for(app: &App, user: UserId, now: DateTime<Utc>) -> String {
    app.keys.sign(Purpose::Device, &format!("{user}:{}", now.timestamp()))
}

/// Takes a slot for an attempt keyed by `key` (an email, or an email's second step) from
/// `ip`: the attempt's id, or how many seconds to wait. The slot is a row, taken under
/// locks on the address and the key, before anything secret is checked.
pub(super) async fn take_slot(
    app: &App,
    key: String,
    ip: String,
    known_device: bool,
) -> AppResult<Result<i64, u64>> {
    let now = app.clock.now();
    let since = now - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    app.write(move |conn| {
        db::sign_in::lock(conn, &key, &ip)?;
        let counts = db::sign_in::counts(conn, &key, &ip, since)?;
        let over = counts.email_and_address >= MAX_ATTEMPTS_PER_EMAIL_AND_ADDRESS
            || counts.address >= MAX_ATTEMPTS_PER_ADDRESS
            || (!known_device && counts.email >= MAX_ATTEMPTS_PER_EMAIL);
        if over {
            let frees =
                counts.oldest.map_or(now, |oldest| oldest + Duration::minutes(THROTTLE_WINDOW_MINUTES));
            tracing::warn!(%ip, "attempt throttled");
            return Ok(Err(u64::try_from((frees - now).num_seconds()).unwrap_or(0).max(1)));
        }
        Ok(Ok(db::sign_in::start(conn, &key, &ip, now)?))
    })
    .await
}

/// Settles an attempt: a failure keeps counting (with its audit event); a success frees
/// this address's attempts for the key.
pub(super) async fn settle(
    app: &App,
    (attempt, key, ip): (i64, String, String),
    succeeded: bool,
    event: Option<NewEvent>,
) -> AppResult<()> {
    app.write(move |conn| {
        if succeeded {
            db::sign_in::clear(conn, &key, &ip)?;
        } else {
            db::sign_in::failed(conn, attempt)?;
        }
        if let Some(event) = &event {
            db::audit::record(conn, event)?;
        }
        Ok(())
    })
    .await
}

/// Checks credentials typed on the sign-in page, from `ip`, by a browser holding
/// `device` (its device cookie, if any). With two-factor on, the person is not signed in
/// yet: [`SignIn::SecondStep`] asks for their code.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    app: &App,
    email: Email,
    password: String,
    ip: String,
    device: Option<&str>,
) -> AppResult<SignIn> {
    let now = app.clock.now();
    let lookup = email.clone();
    let found = app.read(move |conn| Ok(db::users::find_by_email(conn, &lookup)?)).await?;
    let known_device = device_of(app, device, now)
        .is_some_and(|user| found.as_ref().is_some_and(|(found, _)| found.id == user));
    let attempt = match take_slot(app, email.as_str().to_owned(), ip.clone(), known_device).await? {
        Ok(attempt) => attempt,
        Err(wait) => return Ok(SignIn::Throttled(wait)),
    };
    let agency_id = found.as_ref().map(|(user, _)| user.agency_id);
    let usable = found.filter(|(user, _)| user.active);
    let hash = usable.as_ref().and_then(|(_, hash)| hash.clone());
    let verified = app.passwords.verify(password, hash).await?;
    let now = app.clock.now();
    let slot = (attempt, email.as_str().to_owned(), ip.clone());
    match usable.filter(|_| verified) {
        Some((user, _)) => {
            let second_step = super::two_factor::is_enabled(app, user.id).await?;
            let action = if second_step { AuditAction::PasswordAccepted } else { AuditAction::SignIn };
            let event = NewEvent {
                agency_id: Some(user.agency_id),
                actor_user_id: Some(user.id),
                ip: Some(ip),
                ..NewEvent::new(action, &user.email, now)
            };
            settle(app, slot, true, Some(event)).await?;
            if second_step {
                return Ok(SignIn::SecondStep(user));
            }
            tracing::info!(user_id = %user.id, "signed in");
            let device = device_for(app, user.id, now);
            Ok(SignIn::SignedIn { user, device })
        }
        None => {
            let event = NewEvent {
                agency_id,
                ip: Some(ip),
                ..NewEvent::new(AuditAction::SignInFailed, email.as_str(), now)
            };
            settle(app, slot, false, Some(event)).await?;
            Ok(SignIn::Refused)
        }
    }
}

/// A device cookie for `user`, signed, for a sign-in completed with a second step.
pub fn device_cookie(app: &App, user: UserId) -> String {
    device_for(app, user, app.clock.now())
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

/// Whether `token` is the live set-up link (printed within the last 24 hours).
#[tracing::instrument(skip_all)]
pub async fn setup_link_is_valid(app: &App, token: &str) -> AppResult<bool> {
    let digest = setup_digest(token);
    let printed_after = app.clock.now() - Duration::hours(SETUP_LINK_HOURS);
    app.read(move |conn| Ok(db::setup::is_valid(conn, &digest, printed_after)?)).await
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
    // The link is checked before any password is hashed: a wrong link costs nothing.
    if !setup_link_is_valid(app, token).await? {
        return Err(AppError::NotFound);
    }
    let password_hash = app.passwords.hash(setup.password).await?;
    let now = app.clock.now();
    let printed_after = now - Duration::hours(SETUP_LINK_HOURS);
    let digest = setup_digest(token);
    let user = app
        .read(move |conn| {
            conn.build_transaction().serializable().run(|conn| {
                if !db::setup::consume(conn, &digest, printed_after)? || db::agencies::any_exists(conn)? {
                    return Err(AppError::NotFound);
                }
                let agency = db::agencies::create(conn, &setup.agency_name, now)?;
                let person = NewPerson {
                    agency_id: agency.id,
                    email: setup.email,
                    name: PersonName::from_display(setup.name),
                    phone: None,
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
