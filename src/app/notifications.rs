//! People's notifications (the bell, the Notifications page, email) and the scheduler of
//! what time alone brings about: a rotation's overlap ending within 24 hours or ended, a
//! token 90 days old, an integration unused. The scheduler runs on one instance at a time
//! (a transaction advisory lock) and each of its events has a once-key, so none is ever
//! emitted twice, whichever instance finds it.

use chrono::Duration;
use serde_json::json;

use super::{App, AppResult, Requester};
use crate::db;
use crate::domain::access::{Action, Actor, Context};
use crate::domain::events::{self, Event, EventKind, token_data};
use crate::domain::ids::SubAccountId;
use crate::domain::integration::ROTATION_RECOMMENDED_AFTER_DAYS;
use crate::domain::rotation::TokenState;

/// Notifications per page.
pub const PAGE: i64 = 50;
/// Emails leased per round, sent one after the other.
const EMAIL_BATCH: i32 = 10;
/// How long a round's emails are leased: longer than the batch may take (20 s each at
/// most), so that no other instance sends them meanwhile.
const EMAIL_LEASE_MINUTES: i64 = 10;
/// Attempts at an email before giving up.
const EMAIL_ATTEMPTS: i32 = 5;
/// How long after its overlap ended a token's `token.expired` is still told.
const EXPIRED_LOOKBACK_DAYS: i64 = 7;
/// Names the scheduler's advisory lock.
const SCHEDULER_LOCK: i64 = 0x6e6f_7469_6679; // "notify"

/// Whether the notifications of a level (the agency's own: `None`, or a sub-account)
/// concern the person now. Those told of an event are the people who may manage
/// integrations at its level (`outbox::publish`); someone who no longer may, having lost
/// the permission or the sub-account, stops seeing them on their next request, as every
/// other change of access takes effect (SPEC §1).
pub(super) fn concerns(actor: &Actor, level: Option<SubAccountId>) -> bool {
    actor.may(Action::ManageIntegrations, Context::of(actor.agency_id, level))
}

/// A page of the requester's notifications that concern them, newest first, from before
/// `before`.
#[tracing::instrument(skip_all)]
pub async fn list(
    app: &App,
    by: &Requester,
    before: Option<uuid::Uuid>,
) -> AppResult<Vec<db::events::Notification>> {
    let actor = by.person()?.clone();
    app.read(move |conn| {
        let levels = db::events::levels(conn, actor.id)?;
        let agency = levels.contains(&None) && concerns(&actor, None);
        let sub_accounts: Vec<SubAccountId> =
            levels.into_iter().flatten().filter(|id| concerns(&actor, Some(*id))).collect();
        Ok(db::events::of(conn, actor.id, (agency, &sub_accounts), before, PAGE)?)
    })
    .await
}

/// Marks one of the requester's notifications read, or all of them.
#[tracing::instrument(skip_all)]
pub async fn mark_read(app: &App, by: &Requester, event: Option<uuid::Uuid>) -> AppResult<usize> {
    let user = by.person()?.id;
    let now = app.clock.now();
    app.write_one(move |conn| Ok(db::events::mark_read(conn, user, event, now)?)).await
}

/// Whether the requester wants notifications by email.
pub async fn emails_wanted(app: &App, by: &Requester) -> AppResult<bool> {
    let user = by.person()?.id;
    app.read(move |conn| Ok(db::users::email_notifications(conn, user)?)).await
}

/// Turns the requester's notification emails on or off (from their next notification).
#[tracing::instrument(skip_all)]
pub async fn set_emails_wanted(app: &App, by: &Requester, on: bool) -> AppResult<()> {
    let user = by.person()?.id;
    app.write(move |conn| Ok(db::users::set_email_notifications(conn, user, on)?)).await
}

/// Sends the notification emails that are due (none without `SMTP_URL`); how many went.
#[tracing::instrument(skip_all)]
pub async fn send_due_emails(app: &App) -> AppResult<usize> {
    let Some(mailer) = app.outbox.mailer() else { return Ok(0) };
    let now = app.clock.now();
    let lease = now + Duration::minutes(EMAIL_LEASE_MINUTES);
    let owed =
        app.write_one(move |conn| Ok(db::events::lease_emails(conn, now, lease, EMAIL_BATCH)?)).await?;
    let mut sent = 0;
    for email in owed {
        let headline = EventKind::parse(&email.kind)
            .map_or_else(|| email.kind.clone(), |kind| events::headline(kind, &email.data));
        let public_url = &app.config.public_url;
        let body = format!(
            "{headline}.\n\nWhen: {}\n\nSee it in Private Integrations: {public_url}/notifications\n\n\
             You receive this because you manage private integrations there. To stop these \
             emails, turn them off on your Security page: {public_url}/account/security\n",
            email.occurred_at.format("%Y-%m-%d %H:%M UTC"),
        );
        let outcome = mailer
            .send(&email.name, &email.address, &format!("[Private Integrations] {headline}"), body)
            .await;
        let ok = match &outcome {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, user_id = %email.user_id, "a notification email failed");
                false
            }
        };
        let retry_at = (!ok && email.attempts < EMAIL_ATTEMPTS)
            .then(|| now + Duration::minutes(5 * i64::from(email.attempts)));
        let (user, event) = (email.user_id, email.event_id);
        app.write_one(move |conn| Ok(db::events::email_outcome(conn, user, event, lease, ok, retry_at)?))
            .await?;
        sent += usize::from(ok);
    }
    Ok(sent)
}

/// Finds what time has brought about since the last look and publishes each event once:
/// `token.expiring` (a rotation's overlap ends within 24 hours), `token.expired`,
/// `integration.rotation_recommended`, `integration.unused`. How many were published (0
/// when another instance holds the scheduler).
#[tracing::instrument(skip_all)]
pub async fn schedule(app: &App) -> AppResult<usize> {
    let now = app.clock.now();
    let emails = app.outbox.emails();
    let unused_after = app.config.unused_after;
    app.write(move |conn| {
        if !db::try_transaction_lock(conn, SCHEDULER_LOCK)? {
            return Ok(0);
        }
        let mut found = Vec::new();
        // A token's overlap may end, be cancelled, and run again under a new rotation: the
        // instant it ends is part of the key.
        let key = |kind: EventKind, token: &crate::domain::integration::Token| {
            let ends = match token.state {
                TokenState::Expiring { expires_at } => expires_at.timestamp(),
                TokenState::Current | TokenState::Revoked => 0,
            };
            format!("{kind}:{}:{ends}", token.id)
        };
        let soon = now + Duration::hours(24);
        for (integration, token) in db::integrations::expiring_between(conn, now, soon)? {
            let key = key(EventKind::TokenExpiring, &token);
            let data = json!({ "token": token_data(&token) });
            found.push(Event::about(EventKind::TokenExpiring, &integration, data, now).once(key));
        }
        let lookback = now - Duration::days(EXPIRED_LOOKBACK_DAYS);
        for (integration, token) in db::integrations::expiring_between(conn, lookback, now)? {
            let key = key(EventKind::TokenExpired, &token);
            let data = json!({ "token": token_data(&token) });
            found.push(Event::about(EventKind::TokenExpired, &integration, data, now).once(key));
        }
        let old = now - Duration::days(ROTATION_RECOMMENDED_AFTER_DAYS);
        let told = EventKind::RotationRecommended.as_str();
        for (integration, token) in db::integrations::current_issued_before(conn, old, told)? {
            let key = format!("{told}:{}", token.id);
            let data = json!({ "token": token_data(&token), "issuedAt": token.created_at });
            found.push(Event::about(EventKind::RotationRecommended, &integration, data, now).once(key));
        }
        let told = EventKind::IntegrationUnused.as_str();
        for (integration, last) in db::integrations::idle_since(conn, now - unused_after, told)? {
            let key = format!("{told}:{}:{}", integration.id, last.timestamp());
            let data = json!({ "lastActivityAt": last, "unusedDays": unused_after.num_days() });
            found.push(Event::about(EventKind::IntegrationUnused, &integration, data, now).once(key));
        }
        let keys: Vec<String> = found.iter().filter_map(|event| event.once_key.clone()).collect();
        let taken = db::events::taken(conn, &keys)?;
        let mut published = 0;
        for event in
            found.iter().filter(|event| !event.once_key.as_ref().is_some_and(|key| taken.contains(key)))
        {
            published += usize::from(super::outbox::publish(conn, emails, event)?);
        }
        Ok(published)
    })
    .await
}
