//! Token rotation (SPEC §3): **Rotate and expire this token later**, **Cancel rotation**,
//! **Expire Now** and **Rotate and expire this token now**. Each runs in one transaction
//! that locks the integration's row, so that double submits and two admins clicking at
//! once yield one coherent result.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::db;
use crate::domain::access::Context;
use crate::domain::audit::AuditAction;
use crate::domain::events::{Event, EventKind};
use crate::domain::ids::IntegrationId;
use crate::domain::integration::{Integration, Owner, Token};
use crate::domain::rotation::{self, Command, Tokens};

use super::tokens::Change;
use super::{App, AppResult, Requester};

/// The audit action of a command.
fn action(command: Command) -> AuditAction {
    match command {
        Command::RotateLater => AuditAction::RotateLater,
        Command::RotateNow => AuditAction::RotateNow,
        Command::CancelRotation => AuditAction::CancelRotation,
        Command::ExpireNow => AuditAction::ExpireNow,
    }
}

/// The event a command's change is told by.
fn told_by(command: Command) -> EventKind {
    match command {
        Command::RotateLater => EventKind::RotationStarted,
        Command::RotateNow => EventKind::RotatedNow,
        Command::CancelRotation => EventKind::RotationCancelled,
        Command::ExpireNow => EventKind::ExpiredEarly,
    }
}

/// What a command would do, for its confirmation page.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The integration.
    pub integration: Integration,
    /// Its current token.
    pub current: Option<Token>,
    /// The old token of a running rotation.
    pub expiring: Option<Token>,
    /// When the current token would stop, for **Rotate and expire this token later**.
    pub old_token_would_expire_at: DateTime<Utc>,
    /// Now.
    pub now: DateTime<Utc>,
}

/// What `command` would change, or why it would be refused (the rotation rules' own
/// message).
#[tracing::instrument(skip_all, fields(?context, %id, ?command))]
pub async fn preview(
    app: &App,
    by: &Requester,
    context: Context,
    id: IntegrationId,
    command: Command,
) -> AppResult<Preview> {
    let detail = super::integrations::detail(app, by, context, id).await?;
    let now = app.clock.now();
    let overlap = app.config.rotation_overlap;
    rotation::plan(&Tokens::of(&detail.tokens), command, now, overlap)?;
    let running = detail.overview.rotation.map(|(old, _)| old);
    Ok(Preview {
        current: detail.tokens.iter().find(|token| token.is_current()).cloned(),
        expiring: detail.tokens.iter().find(|token| Some(token.id) == running).cloned(),
        old_token_would_expire_at: now + overlap,
        now,
        integration: detail.integration,
    })
}

/// What a command did.
pub struct Rotated {
    /// The integration.
    pub integration: Integration,
    /// The reveal of the new token, for rotations that issue one.
    pub reveal: Option<uuid::Uuid>,
}

/// Runs `command` on an integration's tokens. A refusal by the rotation rules (a
/// rotation already running, none to cancel) is [`super::AppError::Refused`] and changes
/// nothing.
#[tracing::instrument(skip_all, fields(?context, %id, ?command))]
pub async fn run(
    app: &App,
    by: &Requester,
    context: Context,
    id: IntegrationId,
    command: Command,
) -> AppResult<Rotated> {
    super::integrations::find(app, by, context, id).await?;
    let user = by.person()?.id;
    let owner = Owner::of(context);
    let issued =
        matches!(command, Command::RotateLater | Command::RotateNow).then(|| super::tokens::issue(app));
    let keys = app.keys.clone();
    let overlap = app.config.rotation_overlap;
    let clock = app.clock.clone();
    let event = by.event(action(command), owner.agency_id, owner.sub_account_id, app.clock.now());
    let emails = app.outbox.emails();
    let outcome = app
        .write(move |conn| {
            let integration = db::integrations::lock(conn, owner, id)?;
            // Read the time after taking the lock, so the decision sees what the lock
            // holder before us left.
            let now = clock.now();
            let tokens = db::integrations::tokens(conn, id)?;
            let plan = rotation::plan(&Tokens::of(&tokens), command, now, overlap)?;
            let issued = issued.filter(|_| plan.issue);
            db::integrations::apply(conn, id, &plan, issued.as_ref().map(|(_, stored)| stored), now)?;
            let reveal = issued
                .map(|(token, _)| super::reveals::stash(conn, &keys, (user, id), &token, now))
                .transpose()?;
            db::audit::record(
                conn,
                &db::audit::NewEvent {
                    target_id: Some(id.0),
                    target_label: Some(integration.name.clone()),
                    details: serde_json::json!({
                        "revoked_tokens": plan.revoke.len(),
                        "old_token_expires_at": plan.demote_current.map(|(_, at)| at),
                        "issued": plan.issue,
                    }),
                    occurred_at: now,
                    ..event
                },
            )?;
            let data = json!({
                "revokedTokens": plan.revoke.len(),
                "oldTokenExpiresAt": plan.demote_current.map(|(_, at)| at),
            });
            super::outbox::publish(conn, emails, &Event::about(told_by(command), &integration, data, now))?;
            Ok((integration, reveal))
        })
        .await;
    // This instance forgets at once (even after a refusal: nothing is lost by it); the
    // others hear it through NOTIFY.
    app.tokens.changed(Change::Integration(id));
    let (integration, reveal) = outcome?;
    Ok(Rotated { integration, reveal })
}
