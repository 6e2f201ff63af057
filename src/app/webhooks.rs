//! Webhook endpoints (Settings → Webhooks) and the delivery of events to them: signed as
//! Standard Webhooks sign, retried with back-off for more than a day, each delivery
//! leased to one instance at a time. Only people who may manage the integrations of a
//! context reach its endpoints.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::keys::Purpose;
use super::{App, AppError, AppResult, Requester, random};
use crate::db::{
    self,
    webhooks::{Attempt, Leased, NewEndpoint, Next},
};
use crate::domain::access::Context;
use crate::domain::audit::AuditAction;
use crate::domain::events::{Event, EventKind};
use crate::domain::ids::EndpointId;
use crate::domain::integration::Owner;
use crate::domain::webhooks::{self, Disabled, Endpoint, EndpointUrl, SigningSecret};

/// How long a leased delivery is left to one instance before another may try it.
const LEASE_SECONDS: i64 = 60;
/// Deliveries leased per round.
const BATCH: i32 = 10;
/// How long the person who made a secret may still see it.
const SHOW_SECRET_MINUTES: i64 = 10;

/// The authenticated data a sealed secret is bound to: its endpoint.
fn bound_to(endpoint: EndpointId) -> Vec<u8> {
    endpoint.0.as_bytes().to_vec()
}

/// The owner's endpoints.
#[tracing::instrument(skip_all, fields(?context))]
pub async fn list(app: &App, by: &Requester, context: Context) -> AppResult<Vec<Endpoint>> {
    super::integrations::allowed(by, context)?;
    let owner = Owner::of(context);
    app.read(move |conn| Ok(db::webhooks::list(conn, owner)?)).await
}

/// An endpoint with its latest delivery attempts, as its page shows it.
#[derive(Debug, Clone)]
pub struct Detail {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// Its latest 50 attempts, newest first.
    pub log: Vec<db::webhooks::LogLine>,
    /// Deliveries awaiting an attempt.
    pub pending: i64,
}

/// One endpoint of the context with its delivery log; not found for anyone else's.
#[tracing::instrument(skip_all, fields(?context, %id))]
pub async fn detail(app: &App, by: &Requester, context: Context, id: EndpointId) -> AppResult<Detail> {
    super::integrations::allowed(by, context)?;
    let owner = Owner::of(context);
    app.read(move |conn| {
        let endpoint = db::webhooks::find(conn, owner, id)?;
        let log = db::webhooks::log(conn, id, 50)?;
        let pending = db::webhooks::pending(conn, id)?;
        Ok(Detail { endpoint, log, pending })
    })
    .await
}

/// What a person typed for a new endpoint.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Where to.
    pub url: EndpointUrl,
    /// What it subscribes to (at least one).
    pub events: Vec<EventKind>,
}

/// Adds an endpoint; its secret awaits its one showing to the person who added it.
#[tracing::instrument(skip_all, fields(?context))]
pub async fn create(app: &App, by: &Requester, context: Context, fields: Fields) -> AppResult<Endpoint> {
    super::integrations::allowed(by, context)?;
    let actor = by.person()?;
    if fields.events.is_empty() {
        return Err(AppError::Invalid { field: "events", message: "Choose at least one event.".to_owned() });
    }
    app.outbox
        .check_destination(&fields.url)
        .await
        .map_err(|message| AppError::Invalid { field: "url", message })?;
    let owner = Owner::of(context);
    let now = app.clock.now();
    let secret = SigningSecret::generate(&mut random::OsRandom);
    let user = actor.id;
    let label = by.email().unwrap_or_default().to_owned();
    let event = by.event(AuditAction::WebhookCreate, owner.agency_id, owner.sub_account_id, now);
    let id = EndpointId(uuid::Uuid::now_v7());
    let sealed = app.keys.seal_bytes(Purpose::Webhook, secret.bytes(), &bound_to(id))?;
    app.write(move |conn| {
        let endpoint = db::webhooks::create(
            conn,
            &NewEndpoint {
                id,
                owner,
                url: fields.url.as_str().to_owned(),
                events: fields.events,
                secret: sealed,
                shown_to: user,
                shown_until: now + chrono::Duration::minutes(SHOW_SECRET_MINUTES),
                created_by_label: label,
            },
            now,
        )?;
        record(conn, event, &endpoint, json!({ "url": endpoint.url, "events": kinds(&endpoint.events) }))?;
        Ok(endpoint)
    })
    .await
}

fn kinds(events: &[EventKind]) -> Vec<&'static str> {
    events.iter().map(|kind| kind.as_str()).collect()
}

fn record(
    conn: &mut diesel::PgConnection,
    event: db::audit::NewEvent,
    endpoint: &Endpoint,
    details: serde_json::Value,
) -> AppResult<()> {
    db::audit::record(
        conn,
        &db::audit::NewEvent {
            target_id: Some(endpoint.id.0),
            target_label: Some(endpoint.url.clone()),
            details,
            ..event
        },
    )?;
    Ok(())
}

/// The one look at an endpoint's new secret: for the person who made it, within ten
/// minutes, once.
#[tracing::instrument(skip_all, fields(?context, %id))]
pub async fn take_secret(app: &App, by: &Requester, context: Context, id: EndpointId) -> AppResult<String> {
    super::integrations::allowed(by, context)?;
    let user = by.person()?.id;
    let owner = Owner::of(context);
    let now = app.clock.now();
    let sealed =
        app.write_one(move |conn| Ok(db::webhooks::take_secret(conn, owner, id, user, now)?)).await?;
    let (nonce, sealed) = sealed.ok_or(AppError::NotFound)?;
    let bytes =
        app.keys.open_bytes(Purpose::Webhook, &nonce, &sealed, &bound_to(id)).ok_or(AppError::NotFound)?;
    Ok(SigningSecret::from_bytes(bytes).reveal())
}

/// Replaces an endpoint's secret; the old one keeps signing alongside for 24 hours.
#[tracing::instrument(skip_all, fields(?context, %id))]
pub async fn rotate_secret(
    app: &App,
    by: &Requester,
    context: Context,
    id: EndpointId,
) -> AppResult<Endpoint> {
    super::integrations::allowed(by, context)?;
    let user = by.person()?.id;
    let owner = Owner::of(context);
    let now = app.clock.now();
    let secret = SigningSecret::generate(&mut random::OsRandom);
    let keys = app.keys.clone();
    let event = by.event(AuditAction::WebhookRotateSecret, owner.agency_id, owner.sub_account_id, now);
    app.write(move |conn| {
        let endpoint = db::webhooks::lock(conn, owner, id)?;
        if let Some(until) = endpoint.previous_secret_until.filter(|&until| until > now) {
            return Err(AppError::Refused(format!(
                "The previous secret still signs until {}; rotate again after that, so that no \
                 receiver is left without a secret that verifies.",
                until.format("%b %-d, %Y, %H:%M UTC")
            )));
        }
        let ((nonce, sealed), _) = db::webhooks::secrets(conn, id, now)?;
        let sealed_new = keys.seal_bytes(Purpose::Webhook, secret.bytes(), &bound_to(id))?;
        let until = now + chrono::Duration::hours(webhooks::PREVIOUS_SECRET_HOURS);
        db::webhooks::rotate_secret(
            conn,
            id,
            &sealed_new,
            &(nonce, sealed),
            until,
            user,
            now + chrono::Duration::minutes(SHOW_SECRET_MINUTES),
        )?;
        record(conn, event, &endpoint, json!({ "previous_secret_until": until }))?;
        Ok(Endpoint { previous_secret_until: Some(until), ..endpoint })
    })
    .await
}

/// Disables an endpoint (`true`) or enables it again; no deliveries while disabled.
#[tracing::instrument(skip_all, fields(?context, %id))]
pub async fn set_enabled(
    app: &App,
    by: &Requester,
    context: Context,
    id: EndpointId,
    enabled: bool,
) -> AppResult<Endpoint> {
    super::integrations::allowed(by, context)?;
    let owner = Owner::of(context);
    let now = app.clock.now();
    let action = if enabled { AuditAction::WebhookEnable } else { AuditAction::WebhookDisable };
    let event = by.event(action, owner.agency_id, owner.sub_account_id, now);
    app.write(move |conn| {
        let endpoint = db::webhooks::lock(conn, owner, id)?;
        let changed = if enabled {
            db::webhooks::enable(conn, id, now - chrono::Duration::hours(webhooks::FAILING_LIMIT_HOURS))?
        } else {
            db::webhooks::disable(conn, id, now, Disabled::Manually)?
        };
        if changed {
            record(conn, event, &endpoint, json!({}))?;
        }
        Ok(db::webhooks::find(conn, owner, id)?)
    })
    .await
}

/// Deletes an endpoint with its delivery log.
#[tracing::instrument(skip_all, fields(?context, %id))]
pub async fn delete(app: &App, by: &Requester, context: Context, id: EndpointId) -> AppResult<Endpoint> {
    super::integrations::allowed(by, context)?;
    let owner = Owner::of(context);
    let now = app.clock.now();
    let event = by.event(AuditAction::WebhookDelete, owner.agency_id, owner.sub_account_id, now);
    app.write(move |conn| {
        let endpoint = db::webhooks::lock(conn, owner, id)?;
        db::webhooks::delete(conn, id)?;
        record(conn, event, &endpoint, json!({ "url": endpoint.url }))?;
        Ok(endpoint)
    })
    .await
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The HTTP status, if there was an answer.
    pub status: Option<u16>,
    /// Why there was no answer.
    pub error: Option<String>,
    /// Whether it counts as delivered (a 2xx status).
    pub delivered: bool,
    /// When it will be tried again, if it will.
    pub retry_at: Option<DateTime<Utc>>,
}

/// **Send test event**: a `webhook.test` event to this endpoint only, attempted at once
/// (and retried like any other if it fails).
#[tracing::instrument(skip_all, fields(?context, %id))]
pub async fn send_test(app: &App, by: &Requester, context: Context, id: EndpointId) -> AppResult<Outcome> {
    super::integrations::allowed(by, context)?;
    let owner = Owner::of(context);
    let now = app.clock.now();
    let leased = app
        .write(move |conn| {
            let endpoint = db::webhooks::lock(conn, owner, id)?;
            if endpoint.disabled.is_some() {
                return Err(AppError::Refused("Enable the endpoint to send it a test event.".to_owned()));
            }
            let event = Event {
                id: uuid::Uuid::now_v7(),
                agency_id: owner.agency_id,
                sub_account_id: owner.sub_account_id,
                kind: EventKind::Test,
                integration_id: None,
                data: json!({
                    "endpoint": { "id": endpoint.id, "url": endpoint.url },
                    "message": "A test event from Private Integrations.",
                }),
                occurred_at: now,
                once_key: None,
            };
            super::outbox::publish(conn, false, &event)?;
            // Leased to this request from the start: no background round takes it first.
            Ok(db::webhooks::enqueue_leased(conn, id, &event, now + lease())?)
        })
        .await?;
    attempt(app, leased).await
}

fn lease() -> chrono::Duration {
    chrono::Duration::seconds(LEASE_SECONDS)
}

/// Attempts every delivery due now (a batch at a time, concurrently); how many.
#[tracing::instrument(skip_all)]
pub async fn deliver_due(app: &App) -> AppResult<usize> {
    let mut total = 0;
    loop {
        let now = app.clock.now();
        let max = i32::try_from(webhooks::MAX_ATTEMPTS).unwrap_or(i32::MAX);
        let leased = app
            .write(move |conn| {
                db::webhooks::give_up_exhausted(conn, now, max)?;
                Ok(db::webhooks::lease(conn, now, now + lease(), BATCH, max)?)
            })
            .await?;
        let count = leased.len();
        let mut sending = tokio::task::JoinSet::new();
        for delivery in leased {
            let app = app.clone();
            sending.spawn(async move { attempt(&app, delivery).await });
        }
        while let Some(done) = sending.join_next().await {
            match done {
                Ok(Ok(_)) => {}
                Ok(Err(error)) => tracing::warn!(%error, "recording a webhook attempt failed"),
                Err(error) => tracing::warn!(%error, "a webhook attempt panicked"),
            }
        }
        total += count;
        if count < usize::try_from(BATCH).unwrap_or(usize::MAX) {
            return Ok(total);
        }
    }
}

/// Sends one leased delivery and records how it went: delivered, to be tried again, or
/// given up; an endpoint failing for 24 hours is disabled and its people told.
async fn attempt(app: &App, leased: Leased) -> AppResult<Outcome> {
    let endpoint = leased.endpoint_id;
    let mut secrets = Vec::new();
    let sealed = std::iter::once((Some(&leased.secret_nonce), Some(&leased.secret_sealed)))
        .chain(std::iter::once((leased.previous_nonce.as_ref(), leased.previous_sealed.as_ref())));
    for (nonce, sealed) in sealed {
        if let (Some(nonce), Some(sealed)) = (nonce, sealed)
            && let Some(bytes) = app.keys.open_bytes(Purpose::Webhook, nonce, sealed, &bound_to(endpoint))
        {
            secrets.push(SigningSecret::from_bytes(bytes));
        }
    }
    let at = app.clock.now();
    let id = webhooks::message_id(leased.event_id);
    let timestamp = at.timestamp();
    let started = std::time::Instant::now();
    // An event this version does not know (a newer instance wrote it) fails this attempt,
    // like any other failure: it is recorded, retried and eventually given up.
    let event = leased.event();
    let answer = if secrets.is_empty() {
        Err("The signing secret could not be opened (was SECRET_KEY changed?)".to_owned())
    } else if let Some(event) = event {
        let body = event.body();
        let signature = webhooks::signature_header(&secrets, &id, timestamp, &body);
        let headers = [
            ("webhook-id", id),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ];
        app.outbox.post(&leased.url, headers, body).await
    } else {
        Err(format!("Unknown event type {:?}", leased.kind))
    };
    let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let (status, response, error) = match answer {
        Ok((status, response)) => (Some(status), Some(response), None),
        Err(error) => (None, None, Some(error)),
    };
    let delivered = status.is_some_and(|status| (200..300).contains(&status));
    let attempts = u32::try_from(leased.attempt).unwrap_or(u32::MAX);
    let next = if delivered {
        Next::Delivered
    } else {
        match webhooks::retry_after(attempts).and_then(|wait| chrono::Duration::from_std(wait).ok()) {
            Some(wait) => Next::RetryAt(at + wait),
            None => Next::GiveUp,
        }
    };
    let record = Attempt {
        delivery_id: leased.id,
        leased_until: leased.leased_until,
        endpoint_id: endpoint,
        attempt: leased.attempt,
        at,
        status: status.map(i32::from),
        error: error.clone(),
        response: response.filter(|text| !text.is_empty()),
        duration_ms,
    };
    let emails = app.outbox.emails();
    let url = leased.url.clone();
    app.write(move |conn| {
        let failing_since = db::webhooks::record(conn, &record, next)?;
        let limit = chrono::Duration::hours(webhooks::FAILING_LIMIT_HOURS);
        if failing_since.is_some_and(|since| at - since >= limit)
            && db::webhooks::disable(conn, endpoint, at, Disabled::Failing)?
        {
            tracing::warn!(endpoint_id = %endpoint, "webhook endpoint disabled after failing for 24 hours");
            let notice = Event {
                id: uuid::Uuid::now_v7(),
                agency_id: leased.agency_id,
                sub_account_id: leased.sub_account_id,
                kind: EventKind::EndpointDisabled,
                integration_id: None,
                data: json!({ "endpoint": { "id": endpoint, "url": url }, "failingSince": failing_since }),
                occurred_at: at,
                once_key: None,
            };
            super::outbox::publish(conn, emails, &notice)?;
            db::audit::record(
                conn,
                &db::audit::NewEvent {
                    agency_id: Some(leased.agency_id),
                    sub_account_id: leased.sub_account_id,
                    target_id: Some(endpoint.0),
                    target_label: Some(url),
                    details: json!({ "reason": "failing for 24 hours" }),
                    ..db::audit::NewEvent::new(AuditAction::WebhookDisable, "Private Integrations", at)
                },
            )?;
        }
        Ok(())
    })
    .await?;
    Ok(Outcome {
        status,
        error,
        delivered,
        retry_at: match next {
            Next::RetryAt(at) => Some(at),
            Next::Delivered | Next::GiveUp => None,
        },
    })
}
