//! Two-factor authentication (SPEC §8): a person sets it up from their Security page, signs
//! in with a code (or a recovery code) after their password, and confirms access with a
//! code before dangerous actions ("sudo mode"). Secrets are sealed with a key derived from
//! `SECRET_KEY`; recovery codes are kept as keyed digests; a code of a time step already
//! used is refused; every step is throttled like sign-in and audited.

use chrono::{DateTime, Utc};
use diesel::PgConnection;

use crate::db::{self, audit::NewEvent};
use crate::domain::access::{Action, Context};
use crate::domain::audit::AuditAction;
use crate::domain::ids::UserId;
use crate::domain::people::{Member, User};
use crate::domain::two_factor::{self, CodeRefusal, RECOVERY_CODES, RecoveryCode, Secret};

use super::keys::{Keys, Purpose};
use super::random::OsRandom;
use super::{App, AppError, AppResult, Requester};

/// A person's two-factor, as their Security page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// Whether it is on.
    pub enabled: bool,
    /// How many recovery codes are left.
    pub recovery_codes_left: i64,
}

/// What an authenticator app needs to be set up.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The secret in base32, to type by hand.
    pub secret: String,
    /// The `otpauth://` URI the QR code holds.
    pub url: String,
}

fn seal(keys: &Keys, user: UserId, secret: &Secret) -> AppResult<(Vec<u8>, Vec<u8>)> {
    Ok(keys.seal_bytes(Purpose::TwoFactor, secret.expose(), user.0.as_bytes())?)
}

fn open(keys: &Keys, user: UserId, stored: &db::two_factor::Stored) -> AppResult<Secret> {
    keys.open_bytes(Purpose::TwoFactor, &stored.nonce, &stored.sealed, user.0.as_bytes())
        .and_then(Secret::from_bytes)
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "a two-factor secret cannot be opened: was SECRET_KEY changed without PREVIOUS_SECRET_KEYS?"
            ))
        })
}

fn unix(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp()).unwrap_or(0)
}

/// Whether a person has two-factor turned on.
pub async fn is_enabled(app: &App, user: UserId) -> AppResult<bool> {
    app.read(move |conn| {
        Ok(db::two_factor::find(conn, user)?.is_some_and(|stored| stored.enabled_at.is_some()))
    })
    .await
}

/// The requester's own two-factor.
#[tracing::instrument(skip_all)]
pub async fn status(app: &App, by: &Requester) -> AppResult<Status> {
    let user = by.person()?.id;
    app.read(move |conn| {
        let enabled = db::two_factor::find(conn, user)?.is_some_and(|stored| stored.enabled_at.is_some());
        Ok(Status { enabled, recovery_codes_left: db::two_factor::codes_left(conn, user)? })
    })
    .await
}

/// Starts setting up two-factor for the requester with a new secret (replacing one whose
/// set-up was never finished). Refused while it is on.
#[tracing::instrument(skip_all)]
pub async fn begin(app: &App, by: &Requester) -> AppResult<Enrolment> {
    let (user, email) = (by.person()?.id, by.email().unwrap_or_default().to_owned());
    let secret = Secret::generate(&mut OsRandom);
    let sealed = seal(&app.keys, user, &secret)?;
    let now = app.clock.now();
    app.write(move |conn| {
        if db::two_factor::lock(conn, user)?.is_some_and(|stored| stored.enabled_at.is_some()) {
            return Err(AppError::Refused("Two-factor authentication is on already.".into()));
        }
        db::two_factor::begin(conn, user, (&sealed.0, &sealed.1), now)?;
        Ok(())
    })
    .await?;
    Ok(Enrolment { secret: secret.base32(), url: secret.otpauth_url(&email) })
}

/// The set-up in progress, to show again (`None` if none is pending).
pub async fn pending(app: &App, by: &Requester) -> AppResult<Option<Enrolment>> {
    let (user, email) = (by.person()?.id, by.email().unwrap_or_default().to_owned());
    let stored = app.read(move |conn| Ok(db::two_factor::find(conn, user)?)).await?;
    match stored {
        Some(stored) if stored.enabled_at.is_none() => {
            let secret = open(&app.keys, user, &stored)?;
            Ok(Some(Enrolment { secret: secret.base32(), url: secret.otpauth_url(&email) }))
        }
        _ => Ok(None),
    }
}

/// Makes a fresh set of recovery codes, stores their digests: the codes, to show once.
fn new_codes(conn: &mut PgConnection, keys: &Keys, user: UserId) -> AppResult<Vec<RecoveryCode>> {
    let codes: Vec<RecoveryCode> =
        (0..RECOVERY_CODES).map(|_| RecoveryCode::generate(&mut OsRandom)).collect();
    let digests: Vec<[u8; 32]> = codes
        .iter()
        .map(|code| keys.digests(Purpose::Recovery, code.expose().as_bytes()).remove(0))
        .collect();
    db::two_factor::replace_codes(conn, user, &digests)?;
    Ok(codes)
}

/// Finishes the set-up with the first code from the authenticator: two-factor is on, every
/// session of the requester ends, and the recovery codes come back to be shown once.
#[tracing::instrument(skip_all)]
pub async fn confirm(app: &App, by: &Requester, code: String) -> AppResult<Vec<RecoveryCode>> {
    let actor = by.person()?.clone();
    let keys = app.keys.clone();
    let now = app.clock.now();
    let event = by.event(AuditAction::TwoFactorEnable, actor.agency_id, None, now);
    app.write(move |conn| {
        let stored = db::two_factor::lock(conn, actor.id)?
            .filter(|stored| stored.enabled_at.is_none())
            .ok_or_else(|| AppError::Refused("There is no set-up to finish. Start again.".into()))?;
        let secret = open(&keys, actor.id, &stored)?;
        let step = two_factor::accept(&secret, &code, unix(now), None)
            .map_err(|refusal| AppError::invalid("code", refusal.to_string()))?;
        db::two_factor::accepted(conn, actor.id, i64::try_from(step).unwrap_or(i64::MAX), now)?;
        let codes = new_codes(conn, &keys, actor.id)?;
        // A new factor: every session of theirs ends (the adapter carries this one on).
        db::sessions::delete_for_user(conn, actor.id)?;
        db::audit::record(conn, &event)?;
        Ok(codes)
    })
    .await
}

/// Turns the requester's two-factor off (they confirmed access just before); every session
/// of theirs ends: how many.
#[tracing::instrument(skip_all)]
pub async fn turn_off(app: &App, by: &Requester) -> AppResult<usize> {
    let actor = by.person()?.clone();
    let event = by.event(AuditAction::TwoFactorDisable, actor.agency_id, None, app.clock.now());
    app.write(move |conn| {
        if db::users::two_factor_required(conn, actor.id)? {
            return Err(AppError::Refused(
                "Your agency requires two-factor authentication: it cannot be turned off.".into(),
            ));
        }
        db::two_factor::remove(conn, actor.id)?;
        let ended = db::sessions::delete_for_user(conn, actor.id)?;
        db::audit::record(conn, &event)?;
        Ok(ended)
    })
    .await
}

/// Replaces the requester's recovery codes: the new ones, to show once.
#[tracing::instrument(skip_all)]
pub async fn regenerate(app: &App, by: &Requester) -> AppResult<Vec<RecoveryCode>> {
    let actor = by.person()?.clone();
    let keys = app.keys.clone();
    let event = by.event(AuditAction::RecoveryCodesRegenerate, actor.agency_id, None, app.clock.now());
    app.write(move |conn| {
        let enabled = db::two_factor::lock(conn, actor.id)?.is_some_and(|stored| stored.enabled_at.is_some());
        if !enabled {
            return Err(AppError::Refused("Turn two-factor authentication on first.".into()));
        }
        let codes = new_codes(conn, &keys, actor.id)?;
        db::audit::record(conn, &event)?;
        Ok(codes)
    })
    .await
}

/// How a second step (a code or a recovery code) ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Accepted; `with_recovery_code` tells which.
    Passed {
        /// Whether a recovery code was used (one fewer is left).
        with_recovery_code: bool,
    },
    /// Refused, with what to tell the person.
    Refused(String),
    /// Too many attempts; wait this many seconds.
    Throttled(u64),
}

/// Checks a code or a recovery code of `user` (a code works once, a recovery code too).
fn check_code(
    conn: &mut PgConnection,
    keys: &Keys,
    user: UserId,
    typed: &str,
    now: DateTime<Utc>,
) -> AppResult<Result<bool, String>> {
    let stored = db::two_factor::lock(conn, user)?.filter(|stored| stored.enabled_at.is_some());
    let Some(stored) = stored else {
        return Ok(Err(CodeRefusal::Wrong.to_string()));
    };
    if let Some(code) = RecoveryCode::parse(typed) {
        let digests: Vec<Vec<u8>> = keys
            .digests(Purpose::Recovery, code.expose().as_bytes())
            .into_iter()
            .map(|digest| digest.to_vec())
            .collect();
        return Ok(if db::two_factor::use_code(conn, user, &digests, now)? {
            Ok(true)
        } else {
            Err("That recovery code is not right, or was used already.".to_owned())
        });
    }
    let secret = open(keys, user, &stored)?;
    let last = stored.last_step.and_then(|step| u64::try_from(step).ok());
    match two_factor::accept(&secret, typed, unix(now), last) {
        Ok(step) => {
            db::two_factor::accepted(conn, user, i64::try_from(step).unwrap_or(i64::MAX), now)?;
            // Under the current key from now on, should it have been sealed with an earlier one.
            let (nonce, sealed) = seal(keys, user, &secret)?;
            db::two_factor::reseal(conn, user, &nonce, &sealed)?;
            Ok(Ok(false))
        }
        Err(refusal) => Ok(Err(refusal.to_string())),
    }
}

/// A throttled, audited check of `user`'s second factor from `ip`.
async fn second_factor(
    app: &App,
    user: &User,
    typed: String,
    ip: String,
    passed: AuditAction,
    failed: AuditAction,
) -> AppResult<Check> {
    let key = format!("second step {}", user.email);
    let attempt = match super::auth::take_slot(app, key.clone(), ip.clone(), false).await? {
        Ok(attempt) => attempt,
        Err(wait) => return Ok(Check::Throttled(wait)),
    };
    let (id, keys, now) = (user.id, app.keys.clone(), app.clock.now());
    let outcome = app.write(move |conn| check_code(conn, &keys, id, &typed, now)).await?;
    let action = match outcome {
        Ok(true) => AuditAction::RecoveryCodeUsed,
        Ok(false) => passed,
        Err(_) => failed,
    };
    let event = NewEvent {
        agency_id: Some(user.agency_id),
        actor_user_id: Some(user.id),
        ip: Some(ip.clone()),
        details: serde_json::json!({ "with": if matches!(outcome, Ok(false)) { "code" } else { "recovery code" } }),
        ..NewEvent::new(action, &user.email, now)
    };
    super::auth::settle(app, (attempt, key, ip), outcome.is_ok(), Some(event)).await?;
    Ok(match outcome {
        Ok(with_recovery_code) => Check::Passed { with_recovery_code },
        Err(message) => Check::Refused(message),
    })
}

/// The second step of signing in, for a person whose password was right moments ago.
#[tracing::instrument(skip_all)]
pub async fn sign_in_step(app: &App, user: UserId, typed: String, ip: String) -> AppResult<(User, Check)> {
    let member =
        app.read(move |conn| Ok(db::users::active_member(conn, user)?)).await?.ok_or(AppError::NotFound)?;
    let check =
        second_factor(app, &member.user, typed, ip, AuditAction::SignIn, AuditAction::SecondStepFailed)
            .await?;
    Ok((member.user, check))
}

/// How many recovery codes a person has left (the second step's page says so).
pub async fn codes_left(app: &App, user: UserId) -> AppResult<i64> {
    app.read(move |conn| Ok(db::two_factor::codes_left(conn, user)?)).await
}

/// Confirms the requester's access before a dangerous action (sudo mode): their code when
/// two-factor is on (or a recovery code), else their password.
#[tracing::instrument(skip_all)]
pub async fn confirm_access(app: &App, by: &Requester, typed: String) -> AppResult<Check> {
    let actor = by.person()?.clone();
    let member = app
        .read(move |conn| Ok(db::users::active_member(conn, actor.id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    if is_enabled(app, member.user.id).await? {
        return second_factor(
            app,
            &member.user,
            typed,
            by.ip.clone(),
            AuditAction::SudoConfirm,
            AuditAction::SudoFailed,
        )
        .await;
    }
    check_password(
        app,
        by,
        &member.user,
        typed,
        "sudo",
        Some(AuditAction::SudoConfirm),
        AuditAction::SudoFailed,
    )
    .await
}

/// A throttled, audited check of `user`'s password for `purpose` ("sudo", "password
/// change"), each with its own budget: the event `passed` (if any) or `failed` is recorded.
pub(super) async fn check_password(
    app: &App,
    by: &Requester,
    user: &User,
    typed: String,
    purpose: &str,
    passed: Option<AuditAction>,
    failed: AuditAction,
) -> AppResult<Check> {
    let key = format!("{purpose} {}", user.email);
    let attempt = match super::auth::take_slot(app, key.clone(), by.ip.clone(), true).await? {
        Ok(attempt) => attempt,
        Err(wait) => return Ok(Check::Throttled(wait)),
    };
    let email = crate::domain::people::Email::parse(&user.email)
        .map_err(|message| AppError::invalid("email", message))?;
    let hash =
        app.read(move |conn| Ok(db::users::find_by_email(conn, &email)?.and_then(|(_, hash)| hash))).await?;
    let verified = app.passwords.verify(typed, hash).await?;
    let action = if verified { passed } else { Some(failed) };
    let event = action.map(|action| NewEvent {
        details: serde_json::json!({ "with": "password" }),
        ..by.event(action, user.agency_id, None, app.clock.now())
    });
    super::auth::settle(app, (attempt, key, by.ip.clone()), verified, event).await?;
    Ok(if verified {
        Check::Passed { with_recovery_code: false }
    } else {
        Check::Refused("That password is not right.".into())
    })
}

/// Resets a person's two-factor from Team or My Staff (a lost phone): it is off, their
/// recovery codes are gone and their sessions end; they set it up again at their next
/// sign-in if their agency requires it.
#[tracing::instrument(skip_all, fields(%id))]
pub async fn reset(app: &App, by: &Requester, context: Context, id: UserId) -> AppResult<Member> {
    let member = super::people::manageable(app, by, context, id).await?;
    AppError::check(by.person()?.decide_change(context, &member.person()))?;
    let event = NewEvent {
        target_id: Some(id.0),
        target_label: Some(member.user.email.clone()),
        ..by.event(
            AuditAction::TwoFactorReset,
            context.agency_id(),
            context.sub_account_id(),
            app.clock.now(),
        )
    };
    app.write(move |conn| {
        db::two_factor::remove(conn, id)?;
        db::sessions::delete_for_user(conn, id)?;
        db::audit::record(conn, &event)?;
        Ok(())
    })
    .await?;
    Ok(member)
}

/// Whether the requester's agency requires two-factor.
pub async fn required(app: &App, by: &Requester) -> AppResult<bool> {
    let user = by.person()?.id;
    app.read(move |conn| Ok(db::users::two_factor_required(conn, user)?)).await
}

/// Which of these people have two-factor on (for the Team and My Staff lists).
pub async fn enabled_among(app: &App, users: Vec<UserId>) -> AppResult<Vec<UserId>> {
    app.read(move |conn| Ok(db::two_factor::enabled_among(conn, &users)?)).await
}

/// Switches the agency's "Require two-factor authentication" policy (team managers).
#[tracing::instrument(skip_all, fields(required))]
pub async fn set_policy(app: &App, by: &Requester, context: Context, required: bool) -> AppResult<()> {
    let actor = by.person()?;
    let Context::Agency(agency) = context else { return Err(AppError::NotFound) };
    AppError::check(actor.decide(Action::ManageTeam, context))?;
    let event = NewEvent {
        target_id: Some(agency.0),
        details: serde_json::json!({ "require_two_factor": required }),
        ..by.event(AuditAction::SecurityPolicyUpdate, agency, None, app.clock.now())
    };
    app.write(move |conn| {
        db::agencies::set_require_two_factor(conn, agency, required)?;
        db::audit::record(conn, &event)?;
        Ok(())
    })
    .await
}
