//! The outbox of events and the people's notifications (the bell, the Notifications page,
//! and the email each one may still be owed).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

use super::schema::{events, notifications};
use crate::domain::events::{Event, EventKind};
use crate::domain::ids::{AgencyId, IntegrationId, SubAccountId, UserId};

/// Email states, as the CHECK constraint lists them.
const EMAIL_NONE: &str = "none";
const EMAIL_PENDING: &str = "pending";
const EMAIL_SENT: &str = "sent";
const EMAIL_FAILED: &str = "failed";

#[derive(Insertable)]
#[diesel(table_name = events)]
struct EventRow<'a> {
    id: Uuid,
    agency_id: AgencyId,
    sub_account_id: Option<SubAccountId>,
    kind: &'a str,
    integration_id: Option<IntegrationId>,
    data: &'a serde_json::Value,
    occurred_at: DateTime<Utc>,
    once_key: Option<&'a str>,
}

/// Records an event; `false` when an event with its once-key exists already (then
/// nothing is written).
pub fn insert(conn: &mut PgConnection, event: &Event) -> QueryResult<bool> {
    let row = EventRow {
        id: event.id,
        agency_id: event.agency_id,
        sub_account_id: event.sub_account_id,
        kind: event.kind.as_str(),
        integration_id: event.integration_id,
        data: &event.data,
        occurred_at: event.occurred_at,
        once_key: event.once_key.as_deref(),
    };
    let inserted = diesel::insert_into(events::table).values(&row).on_conflict_do_nothing().execute(conn)?;
    Ok(inserted == 1)
}

/// Which of these once-keys events have taken already.
pub fn taken(conn: &mut PgConnection, keys: &[String]) -> QueryResult<std::collections::HashSet<String>> {
    Ok(events::table
        .filter(events::once_key.eq_any(keys))
        .select(events::once_key)
        .load::<Option<String>>(conn)?
        .into_iter()
        .flatten()
        .collect())
}

/// Stored rows of an event read back.
#[derive(Queryable, Selectable)]
#[diesel(table_name = events, check_for_backend(diesel::pg::Pg))]
struct StoredEvent {
    id: Uuid,
    agency_id: AgencyId,
    sub_account_id: Option<SubAccountId>,
    kind: String,
    integration_id: Option<IntegrationId>,
    data: serde_json::Value,
    occurred_at: DateTime<Utc>,
    once_key: Option<String>,
}

impl TryFrom<StoredEvent> for Event {
    type Error = diesel::result::Error;

    fn try_from(row: StoredEvent) -> Result<Self, Self::Error> {
        let kind = EventKind::parse(&row.kind).ok_or_else(|| {
            diesel::result::Error::DeserializationError(format!("unknown event kind {:?}", row.kind).into())
        })?;
        Ok(Self {
            id: row.id,
            agency_id: row.agency_id,
            sub_account_id: row.sub_account_id,
            kind,
            integration_id: row.integration_id,
            data: row.data,
            occurred_at: row.occurred_at,
            once_key: row.once_key,
        })
    }
}

/// The kinds of the events of an agency, oldest first (for tests and the scheduler's).
pub fn kinds_of(conn: &mut PgConnection, agency_id: AgencyId) -> QueryResult<Vec<EventKind>> {
    Ok(events::table
        .filter(events::agency_id.eq(agency_id))
        .order((events::occurred_at, events::id))
        .select(events::kind)
        .load::<String>(conn)?
        .iter()
        .filter_map(|kind| EventKind::parse(kind))
        .collect())
}

#[derive(Insertable)]
#[diesel(table_name = notifications)]
struct NotificationRow {
    user_id: UserId,
    event_id: Uuid,
    email: &'static str,
    email_next_at: Option<DateTime<Utc>>,
}

/// Tells each recipient of an event: `(person, whether they are owed an email)`.
pub fn notify(conn: &mut PgConnection, event: &Event, recipients: &[(UserId, bool)]) -> QueryResult<usize> {
    let rows: Vec<NotificationRow> = recipients
        .iter()
        .map(|&(user_id, email)| NotificationRow {
            user_id,
            event_id: event.id,
            email: if email { EMAIL_PENDING } else { EMAIL_NONE },
            email_next_at: email.then_some(event.occurred_at),
        })
        .collect();
    diesel::insert_into(notifications::table).values(&rows).on_conflict_do_nothing().execute(conn)
}

/// How many notifications a person has not read, by the level of their event: the agency's
/// own (`None`) or a sub-account.
pub fn unread(conn: &mut PgConnection, user: UserId) -> QueryResult<Vec<(Option<SubAccountId>, i64)>> {
    notifications::table
        .inner_join(events::table)
        .filter(notifications::user_id.eq(user))
        .filter(notifications::read_at.is_null())
        .group_by(events::sub_account_id)
        .select((events::sub_account_id, diesel::dsl::count_star()))
        .load::<(Option<Uuid>, i64)>(conn)
        .map(|levels| levels.into_iter().map(|(level, count)| (level.map(SubAccountId), count)).collect())
}

/// The levels of a person's notifications: the agency's own (`None`) and the sub-accounts
/// their events happened in.
pub fn levels(conn: &mut PgConnection, user: UserId) -> QueryResult<Vec<Option<SubAccountId>>> {
    notifications::table
        .inner_join(events::table)
        .filter(notifications::user_id.eq(user))
        .select(events::sub_account_id)
        .distinct()
        .load::<Option<Uuid>>(conn)
        .map(|levels| levels.into_iter().map(|level| level.map(SubAccountId)).collect())
}

/// A notification as its page shows it.
#[derive(Debug, Clone)]
pub struct Notification {
    /// The event.
    pub event: Event,
    /// When its person read it.
    pub read_at: Option<DateTime<Utc>>,
}

/// A person's notifications of events at the agency's own level (when `agency`) or in
/// `sub_accounts`, newest first: `limit` of them from before `before` (an event id, for
/// the next page).
pub fn of(
    conn: &mut PgConnection,
    user: UserId,
    (agency, sub_accounts): (bool, &[SubAccountId]),
    before: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<Notification>> {
    let sub_accounts: Vec<Uuid> = sub_accounts.iter().map(|id| id.0).collect();
    let mut query = notifications::table
        .inner_join(events::table)
        .filter(notifications::user_id.eq(user))
        .filter(
            events::sub_account_id
                .is_null()
                .and(agency.into_sql::<diesel::sql_types::Bool>())
                .or(events::sub_account_id.eq_any(sub_accounts)),
        )
        .order((events::occurred_at.desc(), events::id.desc()))
        .limit(limit)
        .select((StoredEvent::as_select(), notifications::read_at))
        .into_boxed();
    if let Some(before) = before {
        let at =
            events::table.find(before).select(events::occurred_at).first::<DateTime<Utc>>(conn).optional()?;
        if let Some(at) = at {
            query = query
                .filter(events::occurred_at.lt(at).or(events::occurred_at.eq(at).and(events::id.lt(before))));
        }
    }
    query
        .load::<(StoredEvent, Option<DateTime<Utc>>)>(conn)?
        .into_iter()
        .map(|(event, read_at)| Ok(Notification { event: Event::try_from(event)?, read_at }))
        .collect()
}

/// Marks one notification of a person read (`Some(event)`), or all of them.
pub fn mark_read(
    conn: &mut PgConnection,
    user: UserId,
    event: Option<Uuid>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let mut query = diesel::update(notifications::table)
        .filter(notifications::user_id.eq(user))
        .filter(notifications::read_at.is_null())
        .into_boxed();
    if let Some(event) = event {
        query = query.filter(notifications::event_id.eq(event));
    }
    query.set(notifications::read_at.eq(now)).execute(conn)
}

/// An email owed to a person, leased to this instance.
#[derive(Debug, Clone, QueryableByName)]
pub struct OwedEmail {
    /// The person.
    #[diesel(sql_type = SqlUuid)]
    pub user_id: UserId,
    /// Their address.
    #[diesel(sql_type = Text)]
    pub address: String,
    /// Their name.
    #[diesel(sql_type = Text)]
    pub name: String,
    /// The event.
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    /// Its kind.
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// Its data.
    #[diesel(sql_type = Jsonb)]
    pub data: serde_json::Value,
    /// Its sub-account, if any.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub sub_account_id: Option<SubAccountId>,
    /// Its integration, if any.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub integration_id: Option<IntegrationId>,
    /// When it happened.
    #[diesel(sql_type = Timestamptz)]
    pub occurred_at: DateTime<Utc>,
    /// Attempts so far, this one included.
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
}

/// Leases up to `limit` emails that are due at `now` until `leased_until`: each to one
/// instance only (`FOR UPDATE SKIP LOCKED`), counting the attempt.
pub fn lease_emails(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    leased_until: DateTime<Utc>,
    limit: i32,
) -> QueryResult<Vec<OwedEmail>> {
    diesel::sql_query(
        "WITH leased AS ( \
            UPDATE notifications n SET email_leased_until = $2, email_attempts = n.email_attempts + 1 \
            WHERE (n.user_id, n.event_id) IN ( \
                SELECT n.user_id, n.event_id FROM notifications n JOIN users u ON u.id = n.user_id \
                WHERE n.email = 'pending' AND n.email_next_at <= $1 \
                  AND (n.email_leased_until IS NULL OR n.email_leased_until <= $1) \
                  AND u.active AND u.email_notifications \
                ORDER BY n.email_next_at LIMIT $3 FOR UPDATE OF n SKIP LOCKED) \
            RETURNING n.user_id, n.event_id, n.email_attempts) \
         SELECT l.user_id, u.email AS address, u.name, l.event_id, e.kind, e.data, e.sub_account_id, \
                e.integration_id, e.occurred_at, l.email_attempts AS attempts \
         FROM leased l JOIN users u ON u.id = l.user_id JOIN events e ON e.id = l.event_id",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(leased_until)
    .bind::<Integer, _>(limit)
    .load(conn)
}

/// Records how an email went: sent, to be tried again at `retry_at`, or given up; only
/// while it is still leased until `leased_until` (to the caller).
pub fn email_outcome(
    conn: &mut PgConnection,
    user: UserId,
    event: Uuid,
    leased_until: DateTime<Utc>,
    sent: bool,
    retry_at: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    let state = match (sent, retry_at) {
        (true, _) => EMAIL_SENT,
        (false, Some(_)) => EMAIL_PENDING,
        (false, None) => EMAIL_FAILED,
    };
    diesel::update(
        notifications::table
            .find((user, event))
            .filter(notifications::email.eq(EMAIL_PENDING))
            .filter(notifications::email_leased_until.eq(leased_until)),
    )
    .set((
        notifications::email.eq(state),
        notifications::email_next_at.eq(retry_at),
        notifications::email_leased_until.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)
    .map(drop)
}

/// Drops the emails a person is still owed (they turned email off).
pub fn drop_owed_emails(conn: &mut PgConnection, user: UserId) -> QueryResult<usize> {
    diesel::update(
        notifications::table
            .filter(notifications::user_id.eq(user))
            .filter(notifications::email.eq(EMAIL_PENDING)),
    )
    .set((notifications::email.eq(EMAIL_NONE), notifications::email_next_at.eq(None::<DateTime<Utc>>)))
    .execute(conn)
}
