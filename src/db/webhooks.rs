//! Webhook endpoints, their deliveries (one per event and endpoint, leased to one
//! instance at a time) and every attempt, for the delivery log. Reads are scoped by
//! owner, so another tenant's endpoint is simply not found.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bytea, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

use super::schema::{events, webhook_attempts, webhook_deliveries, webhook_endpoints};
use crate::domain::events::{Event, EventKind};
use crate::domain::ids::{AgencyId, EndpointId, IntegrationId, SubAccountId, UserId};
use crate::domain::integration::Owner;
use crate::domain::webhooks::{Disabled, Endpoint};

/// Delivery states, as the CHECK constraint lists them.
const PENDING: &str = "pending";
const DELIVERED: &str = "delivered";
const FAILED: &str = "failed";

/// Reasons for being disabled, as the CHECK constraint lists them.
const MANUAL: &str = "manual";
const FAILING: &str = "failing";

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints, check_for_backend(diesel::pg::Pg))]
struct EndpointRow {
    id: EndpointId,
    agency_id: AgencyId,
    sub_account_id: Option<SubAccountId>,
    url: String,
    events: Vec<Option<String>>,
    disabled_at: Option<DateTime<Utc>>,
    disabled_reason: Option<String>,
    failing_since: Option<DateTime<Utc>>,
    previous_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    created_by_label: String,
}

impl From<EndpointRow> for Endpoint {
    fn from(row: EndpointRow) -> Self {
        let reason = |reason: Option<String>| match reason.as_deref() {
            Some(FAILING) => Disabled::Failing,
            _ => Disabled::Manually,
        };
        Self {
            id: row.id,
            owner: Owner { agency_id: row.agency_id, sub_account_id: row.sub_account_id },
            url: row.url,
            events: row.events.iter().flatten().filter_map(|kind| EventKind::parse(kind)).collect(),
            disabled: row.disabled_at.map(|at| (at, reason(row.disabled_reason))),
            failing_since: row.failing_since,
            previous_secret_until: row.previous_until,
            created_at: row.created_at,
            created_by_label: row.created_by_label,
        }
    }
}

fn owned_by(owner: Owner) -> webhook_endpoints::BoxedQuery<'static, diesel::pg::Pg> {
    let query =
        webhook_endpoints::table.filter(webhook_endpoints::agency_id.eq(owner.agency_id)).into_boxed();
    match owner.sub_account_id {
        None => query.filter(webhook_endpoints::sub_account_id.is_null()),
        Some(sub) => query.filter(webhook_endpoints::sub_account_id.eq(sub)),
    }
}

/// A sealed secret: (nonce, ciphertext).
pub type Sealed = (Vec<u8>, Vec<u8>);

/// A new endpoint.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    /// Its id (the secret is sealed bound to it).
    pub id: EndpointId,
    /// Whose.
    pub owner: Owner,
    /// Where to.
    pub url: String,
    /// What it subscribes to.
    pub events: Vec<EventKind>,
    /// Its sealed secret.
    pub secret: Sealed,
    /// The one person who may see the secret, once.
    pub shown_to: UserId,
    /// Until when.
    pub shown_until: DateTime<Utc>,
    /// Who added it.
    pub created_by_label: String,
}

/// Stores a new endpoint.
pub fn create(conn: &mut PgConnection, new: &NewEndpoint, now: DateTime<Utc>) -> QueryResult<Endpoint> {
    let kinds: Vec<&str> = new.events.iter().map(|kind| kind.as_str()).collect();
    diesel::insert_into(webhook_endpoints::table)
        .values((
            webhook_endpoints::id.eq(new.id),
            webhook_endpoints::agency_id.eq(new.owner.agency_id),
            webhook_endpoints::sub_account_id.eq(new.owner.sub_account_id),
            webhook_endpoints::url.eq(&new.url),
            webhook_endpoints::events.eq(kinds),
            webhook_endpoints::secret_nonce.eq(&new.secret.0),
            webhook_endpoints::secret_sealed.eq(&new.secret.1),
            webhook_endpoints::secret_shown_to.eq(new.shown_to),
            webhook_endpoints::secret_shown_until.eq(new.shown_until),
            webhook_endpoints::created_at.eq(now),
            webhook_endpoints::created_by_label.eq(&new.created_by_label),
        ))
        .returning(EndpointRow::as_returning())
        .get_result(conn)
        .map(Endpoint::from)
}

/// The owner's endpoints, oldest first.
pub fn list(conn: &mut PgConnection, owner: Owner) -> QueryResult<Vec<Endpoint>> {
    Ok(owned_by(owner)
        .order((webhook_endpoints::created_at, webhook_endpoints::id))
        .select(EndpointRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Endpoint::from)
        .collect())
}

/// One endpoint of the owner.
pub fn find(conn: &mut PgConnection, owner: Owner, id: EndpointId) -> QueryResult<Endpoint> {
    owned_by(owner)
        .filter(webhook_endpoints::id.eq(id))
        .select(EndpointRow::as_select())
        .first(conn)
        .map(Endpoint::from)
}

/// One endpoint of the owner, locked until the transaction ends.
pub fn lock(conn: &mut PgConnection, owner: Owner, id: EndpointId) -> QueryResult<Endpoint> {
    let endpoint = webhook_endpoints::table
        .find(id)
        .select(EndpointRow::as_select())
        .for_update()
        .first(conn)
        .map(Endpoint::from)?;
    if endpoint.owner == owner { Ok(endpoint) } else { Err(diesel::result::Error::NotFound) }
}

/// Deletes an endpoint with its deliveries and their log.
pub fn delete(conn: &mut PgConnection, id: EndpointId) -> QueryResult<()> {
    diesel::delete(webhook_endpoints::table.find(id)).execute(conn).map(drop)
}

/// Disables an endpoint; `false` if it was disabled already.
pub fn disable(
    conn: &mut PgConnection,
    id: EndpointId,
    at: DateTime<Utc>,
    reason: Disabled,
) -> QueryResult<bool> {
    let reason = match reason {
        Disabled::Manually => MANUAL,
        Disabled::Failing => FAILING,
    };
    let changed =
        diesel::update(webhook_endpoints::table.find(id).filter(webhook_endpoints::disabled_at.is_null()))
            .set((webhook_endpoints::disabled_at.eq(at), webhook_endpoints::disabled_reason.eq(reason)))
            .execute(conn)?;
    Ok(changed == 1)
}

/// Enables an endpoint again (forgetting that it was failing); its deliveries queued
/// before `stale_before` are given up rather than sent late. `false` if it was enabled.
pub fn enable(conn: &mut PgConnection, id: EndpointId, stale_before: DateTime<Utc>) -> QueryResult<bool> {
    let changed = diesel::update(
        webhook_endpoints::table.find(id).filter(webhook_endpoints::disabled_at.is_not_null()),
    )
    .set((
        webhook_endpoints::disabled_at.eq(None::<DateTime<Utc>>),
        webhook_endpoints::disabled_reason.eq(None::<String>),
        webhook_endpoints::failing_since.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)?;
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::endpoint_id.eq(id))
            .filter(webhook_deliveries::state.eq(PENDING))
            .filter(webhook_deliveries::created_at.lt(stale_before)),
    )
    .set(webhook_deliveries::state.eq(FAILED))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Replaces an endpoint's secret; the one it had signs alongside until `previous_until`.
/// The new one may be seen once by `shown_to` until `shown_until`.
pub fn rotate_secret(
    conn: &mut PgConnection,
    id: EndpointId,
    secret: &Sealed,
    previous: &Sealed,
    previous_until: DateTime<Utc>,
    shown_to: UserId,
    shown_until: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(webhook_endpoints::table.find(id))
        .set((
            webhook_endpoints::secret_nonce.eq(&secret.0),
            webhook_endpoints::secret_sealed.eq(&secret.1),
            webhook_endpoints::previous_nonce.eq(&previous.0),
            webhook_endpoints::previous_sealed.eq(&previous.1),
            webhook_endpoints::previous_until.eq(previous_until),
            webhook_endpoints::secret_shown_to.eq(shown_to),
            webhook_endpoints::secret_shown_until.eq(shown_until),
        ))
        .execute(conn)
        .map(drop)
}

/// An endpoint's sealed secrets: the current one, and the previous one while it still
/// signs at `now`.
pub fn secrets(
    conn: &mut PgConnection,
    id: EndpointId,
    now: DateTime<Utc>,
) -> QueryResult<(Sealed, Option<Sealed>)> {
    let (nonce, sealed, previous_nonce, previous_sealed, previous_until) = webhook_endpoints::table
        .find(id)
        .select((
            webhook_endpoints::secret_nonce,
            webhook_endpoints::secret_sealed,
            webhook_endpoints::previous_nonce,
            webhook_endpoints::previous_sealed,
            webhook_endpoints::previous_until,
        ))
        .first::<(Vec<u8>, Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>, Option<DateTime<Utc>>)>(conn)?;
    let previous = match (previous_nonce, previous_sealed, previous_until) {
        (Some(nonce), Some(sealed), Some(until)) if until > now => Some((nonce, sealed)),
        _ => None,
    };
    Ok(((nonce, sealed), previous))
}

/// Takes the one look at an endpoint's new secret that `user` is owed: the sealed secret,
/// once (a second request, even a parallel one, finds nothing).
pub fn take_secret(
    conn: &mut PgConnection,
    owner: Owner,
    id: EndpointId,
    user: UserId,
    now: DateTime<Utc>,
) -> QueryResult<Option<Sealed>> {
    let mine = owned_by(owner)
        .filter(webhook_endpoints::id.eq(id))
        .filter(webhook_endpoints::secret_shown_to.eq(user))
        .filter(webhook_endpoints::secret_shown_until.gt(now))
        .select(webhook_endpoints::id);
    diesel::update(webhook_endpoints::table.filter(webhook_endpoints::id.eq_any(mine)))
        .set((
            webhook_endpoints::secret_shown_to.eq(None::<UserId>),
            webhook_endpoints::secret_shown_until.eq(None::<DateTime<Utc>>),
        ))
        .returning((webhook_endpoints::secret_nonce, webhook_endpoints::secret_sealed))
        .get_result(conn)
        .optional()
}

/// Queues an event for every enabled endpoint of its owner that subscribes to its kind;
/// how many.
pub fn enqueue(conn: &mut PgConnection, event: &Event) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, state, next_attempt_at, created_at) \
         SELECT gen_random_uuid(), id, $1, 'pending', $4, $4 FROM webhook_endpoints \
         WHERE agency_id = $2 AND sub_account_id IS NOT DISTINCT FROM $3 \
           AND disabled_at IS NULL AND $5 = ANY (events) \
         ON CONFLICT DO NOTHING",
    )
    .bind::<SqlUuid, _>(event.id)
    .bind::<SqlUuid, _>(event.agency_id)
    .bind::<Nullable<SqlUuid>, _>(event.sub_account_id)
    .bind::<Timestamptz, _>(event.occurred_at)
    .bind::<Text, _>(event.kind.as_str())
    .execute(conn)
}

/// Queues an event for one endpoint (a test event), leased to the caller until
/// `leased_until` for its first attempt, which it makes at once.
pub fn enqueue_leased(
    conn: &mut PgConnection,
    endpoint: EndpointId,
    event: &Event,
    leased_until: DateTime<Utc>,
) -> QueryResult<Leased> {
    let id: Uuid = diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::id.eq(Uuid::now_v7()),
            webhook_deliveries::endpoint_id.eq(endpoint),
            webhook_deliveries::event_id.eq(event.id),
            webhook_deliveries::state.eq(PENDING),
            webhook_deliveries::attempts.eq(1),
            webhook_deliveries::next_attempt_at.eq(event.occurred_at),
            webhook_deliveries::leased_until.eq(leased_until),
            webhook_deliveries::created_at.eq(event.occurred_at),
        ))
        .returning(webhook_deliveries::id)
        .get_result(conn)?;
    diesel::sql_query(format!(
        "WITH leased AS (SELECT id, attempts, created_at, leased_until, endpoint_id, event_id \
         FROM webhook_deliveries WHERE id = $2) {SELECT_LEASED}"
    ))
    .bind::<Timestamptz, _>(event.occurred_at)
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
}

/// A delivery leased to this instance, with what sending it takes.
#[derive(Debug, Clone, QueryableByName)]
pub struct Leased {
    /// The delivery.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// Its attempt number (this one).
    #[diesel(sql_type = Integer)]
    pub attempt: i32,
    /// When it was queued.
    #[diesel(sql_type = Timestamptz)]
    pub queued_at: DateTime<Utc>,
    /// Until when it is leased to this instance.
    #[diesel(sql_type = Timestamptz)]
    pub leased_until: DateTime<Utc>,
    /// The endpoint.
    #[diesel(sql_type = SqlUuid)]
    pub endpoint_id: EndpointId,
    /// Its URL.
    #[diesel(sql_type = Text)]
    pub url: String,
    /// Its sealed secret.
    #[diesel(sql_type = Bytea)]
    pub secret_nonce: Vec<u8>,
    /// Its sealed secret.
    #[diesel(sql_type = Bytea)]
    pub secret_sealed: Vec<u8>,
    /// The secret before the last rotation, while it signs too.
    #[diesel(sql_type = Nullable<Bytea>)]
    pub previous_nonce: Option<Vec<u8>>,
    /// The secret before the last rotation, while it signs too.
    #[diesel(sql_type = Nullable<Bytea>)]
    pub previous_sealed: Option<Vec<u8>>,
    /// The event.
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    /// Its agency.
    #[diesel(sql_type = SqlUuid)]
    pub agency_id: AgencyId,
    /// Its sub-account.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub sub_account_id: Option<SubAccountId>,
    /// Its kind.
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// Its integration.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub integration_id: Option<IntegrationId>,
    /// Its data.
    #[diesel(sql_type = Jsonb)]
    pub data: serde_json::Value,
    /// When it happened.
    #[diesel(sql_type = Timestamptz)]
    pub occurred_at: DateTime<Utc>,
}

impl Leased {
    /// The event to send.
    pub fn event(&self) -> Option<Event> {
        Some(Event {
            id: self.event_id,
            agency_id: self.agency_id,
            sub_account_id: self.sub_account_id,
            kind: EventKind::parse(&self.kind)?,
            integration_id: self.integration_id,
            data: self.data.clone(),
            occurred_at: self.occurred_at,
            once_key: None,
        })
    }
}

/// What a leased delivery is sent with, from a `leased` CTE of deliveries (`$1`: now).
const SELECT_LEASED: &str = "SELECT l.id, l.attempts AS attempt, l.created_at AS queued_at, \
        l.leased_until, l.endpoint_id, e.url, e.secret_nonce, e.secret_sealed, \
        CASE WHEN e.previous_until > $1 THEN e.previous_nonce END AS previous_nonce, \
        CASE WHEN e.previous_until > $1 THEN e.previous_sealed END AS previous_sealed, \
        v.id AS event_id, v.agency_id, v.sub_account_id, v.kind, v.integration_id, v.data, v.occurred_at \
     FROM leased l JOIN webhook_endpoints e ON e.id = l.endpoint_id JOIN events v ON v.id = l.event_id";

/// Leases up to `limit` deliveries of enabled endpoints due at `now` until
/// `leased_until`, each to one instance (`FOR UPDATE SKIP LOCKED`), counting the attempt;
/// never one that has had `max_attempts` already.
pub fn lease(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    leased_until: DateTime<Utc>,
    limit: i32,
    max_attempts: i32,
) -> QueryResult<Vec<Leased>> {
    diesel::sql_query(format!(
        "WITH leased AS ( \
            UPDATE webhook_deliveries d SET leased_until = $2, attempts = d.attempts + 1 \
            WHERE d.id IN ( \
                SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
                WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND d.attempts < $4 \
                  AND (d.leased_until IS NULL OR d.leased_until <= $1) AND e.disabled_at IS NULL \
                ORDER BY d.next_attempt_at LIMIT $3 FOR UPDATE OF d SKIP LOCKED) \
            RETURNING d.id, d.attempts, d.created_at, d.leased_until, d.endpoint_id, d.event_id) \
         {SELECT_LEASED}"
    ))
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(leased_until)
    .bind::<Integer, _>(limit)
    .bind::<Integer, _>(max_attempts)
    .load(conn)
}

/// Gives up the deliveries that had every attempt but whose outcome was never recorded
/// (an instance stopped mid-attempt); how many.
pub fn give_up_exhausted(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    max_attempts: i32,
) -> QueryResult<usize> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::state.eq(PENDING))
            .filter(webhook_deliveries::attempts.ge(max_attempts))
            .filter(webhook_deliveries::leased_until.is_null().or(webhook_deliveries::leased_until.le(now))),
    )
    .set((webhook_deliveries::state.eq(FAILED), webhook_deliveries::leased_until.eq(None::<DateTime<Utc>>)))
    .execute(conn)
}

/// One attempt, as the delivery log keeps it.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The delivery.
    pub delivery_id: Uuid,
    /// Until when the delivery is leased to the instance that made the attempt.
    pub leased_until: DateTime<Utc>,
    /// The endpoint.
    pub endpoint_id: EndpointId,
    /// Its number.
    pub attempt: i32,
    /// When it started.
    pub at: DateTime<Utc>,
    /// The HTTP status, if there was an answer.
    pub status: Option<i32>,
    /// Why there was no answer, or none.
    pub error: Option<String>,
    /// The start of the response body.
    pub response: Option<String>,
    /// How long it took.
    pub duration_ms: i32,
}

/// What becomes of a delivery after an attempt.
#[derive(Debug, Clone, Copy)]
pub enum Next {
    /// Delivered.
    Delivered,
    /// Try again then.
    RetryAt(DateTime<Utc>),
    /// Given up.
    GiveUp,
}

/// Records an attempt and what becomes of its delivery; on failure, returns since when
/// the endpoint has been failing (on success it is failing no more).
pub fn record(conn: &mut PgConnection, attempt: &Attempt, next: Next) -> QueryResult<Option<DateTime<Utc>>> {
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::id.eq(Uuid::now_v7()),
            webhook_attempts::delivery_id.eq(attempt.delivery_id),
            webhook_attempts::endpoint_id.eq(attempt.endpoint_id),
            webhook_attempts::attempt.eq(attempt.attempt),
            webhook_attempts::attempted_at.eq(attempt.at),
            webhook_attempts::status.eq(attempt.status),
            webhook_attempts::error.eq(&attempt.error),
            webhook_attempts::response.eq(&attempt.response),
            webhook_attempts::duration_ms.eq(attempt.duration_ms),
        ))
        .execute(conn)?;
    let (state, next_at) = match next {
        Next::Delivered => (DELIVERED, None),
        Next::RetryAt(at) => (PENDING, Some(at)),
        Next::GiveUp => (FAILED, None),
    };
    // Only while the lease is still ours: after it lapsed, another instance may have sent
    // the delivery again and its outcome is the one that counts.
    let delivery = webhook_deliveries::table
        .find(attempt.delivery_id)
        .filter(webhook_deliveries::state.eq(PENDING))
        .filter(webhook_deliveries::leased_until.eq(attempt.leased_until));
    let ours = match next_at {
        Some(at) => diesel::update(delivery)
            .set((
                webhook_deliveries::state.eq(state),
                webhook_deliveries::next_attempt_at.eq(at),
                webhook_deliveries::leased_until.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)?,
        None => diesel::update(delivery)
            .set((
                webhook_deliveries::state.eq(state),
                webhook_deliveries::leased_until.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)?,
    };
    if ours == 0 {
        return Ok(None);
    }
    let endpoint = webhook_endpoints::table.find(attempt.endpoint_id);
    if matches!(next, Next::Delivered) {
        diesel::update(endpoint)
            .set(webhook_endpoints::failing_since.eq(None::<DateTime<Utc>>))
            .execute(conn)?;
        return Ok(None);
    }
    diesel::update(endpoint.filter(webhook_endpoints::failing_since.is_null()))
        .set(webhook_endpoints::failing_since.eq(attempt.at))
        .execute(conn)?;
    endpoint.select(webhook_endpoints::failing_since).first(conn)
}

/// A line of an endpoint's delivery log.
#[derive(Debug, Clone, Queryable)]
pub struct LogLine {
    /// When.
    pub at: DateTime<Utc>,
    /// The event's kind.
    pub kind: String,
    /// The event's id.
    pub event_id: Uuid,
    /// The attempt's number.
    pub attempt: i32,
    /// The HTTP status.
    pub status: Option<i32>,
    /// Why there was no answer.
    pub error: Option<String>,
    /// The start of the response body.
    pub response: Option<String>,
    /// How long it took.
    pub duration_ms: i32,
}

/// An endpoint's latest attempts, newest first.
pub fn log(conn: &mut PgConnection, endpoint: EndpointId, limit: i64) -> QueryResult<Vec<LogLine>> {
    webhook_attempts::table
        .inner_join(webhook_deliveries::table.inner_join(events::table))
        .filter(webhook_attempts::endpoint_id.eq(endpoint))
        .order((webhook_attempts::attempted_at.desc(), webhook_attempts::id.desc()))
        .limit(limit)
        .select((
            webhook_attempts::attempted_at,
            events::kind,
            events::id,
            webhook_attempts::attempt,
            webhook_attempts::status,
            webhook_attempts::error,
            webhook_attempts::response,
            webhook_attempts::duration_ms,
        ))
        .load(conn)
}

/// How many deliveries of an endpoint await an attempt.
pub fn pending(conn: &mut PgConnection, endpoint: EndpointId) -> QueryResult<i64> {
    webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint))
        .filter(webhook_deliveries::state.eq(PENDING))
        .count()
        .get_result(conn)
}
