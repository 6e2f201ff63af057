//! The audit trail: who did what, when and from where.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::audit_events;
use crate::domain::audit::{AuditAction, Event};
use crate::domain::ids::{AgencyId, SubAccountId, UserId};

/// One event to record.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewEvent {
    /// Its id: a UUIDv7, so that events of the same instant keep the order they were made
    /// in (the audit log's tie-breaker).
    pub id: Uuid,
    /// The agency it concerns (none for a sign-in failure with an unknown email).
    pub agency_id: Option<AgencyId>,
    /// The sub-account it concerns, if any.
    pub sub_account_id: Option<SubAccountId>,
    /// Who did it, if a known user.
    pub actor_user_id: Option<UserId>,
    /// How to name the actor even after they are gone (their email, or "CLI").
    pub actor_label: String,
    /// What happened.
    pub action: AuditAction,
    /// The object acted on.
    pub target_id: Option<Uuid>,
    /// Its name at the time.
    pub target_label: Option<String>,
    /// The client address.
    pub ip: Option<String>,
    /// Anything else worth keeping (a scope diff, before → after).
    pub details: serde_json::Value,
    /// When.
    pub occurred_at: DateTime<Utc>,
}

impl NewEvent {
    /// An event with the essentials; fill the optional parts with struct update syntax.
    pub fn new(action: AuditAction, actor_label: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::now_v7(),
            agency_id: None,
            sub_account_id: None,
            actor_user_id: None,
            actor_label: actor_label.into(),
            action,
            target_id: None,
            target_label: None,
            ip: None,
            details: serde_json::Value::Object(serde_json::Map::new()),
            occurred_at: now,
        }
    }
}

/// Records an event; part of the transaction that makes the change it describes.
pub fn record(conn: &mut PgConnection, event: &NewEvent) -> QueryResult<()> {
    diesel::insert_into(audit_events::table).values(event).execute(conn).map(drop)
}

/// The actions recorded for an agency, newest first; for tests and the audit log.
pub fn actions_of(conn: &mut PgConnection, agency_id: AgencyId) -> QueryResult<Vec<AuditAction>> {
    audit_events::table
        .filter(audit_events::agency_id.eq(agency_id))
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .select(audit_events::action)
        .load(conn)
}

/// An event as the audit log shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg))]
struct EventRow {
    /// Its id.
    id: Uuid,
    /// Who did it.
    pub actor_label: String,
    /// What happened.
    pub action: AuditAction,
    /// The object acted on.
    pub target_id: Option<Uuid>,
    /// Its name at the time.
    pub target_label: Option<String>,
    /// The client address.
    pub ip: Option<String>,
    /// The rest (scope diff, before → after).
    pub details: serde_json::Value,
    /// When.
    pub occurred_at: DateTime<Utc>,
}

impl From<EventRow> for Event {
    fn from(row: EventRow) -> Self {
        Self {
            id: row.id,
            actor_label: row.actor_label,
            action: row.action,
            target_id: row.target_id,
            target_label: row.target_label,
            ip: row.ip,
            details: row.details,
            occurred_at: row.occurred_at,
        }
    }
}

/// Which events to show.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this agency's…
    pub agency_id: Option<AgencyId>,
    /// …and, if set, only this sub-account's.
    pub sub_account_id: Option<SubAccountId>,
    /// Only events about this object (an integration).
    pub target_id: Option<Uuid>,
    /// Only events by this user.
    pub actor_user_id: Option<UserId>,
    /// Only this action.
    pub action: Option<AuditAction>,
}

fn filtered(filter: &Filter) -> audit_events::BoxedQuery<'static, diesel::pg::Pg> {
    let mut query = audit_events::table.into_boxed();
    if let Some(agency) = filter.agency_id {
        query = query.filter(audit_events::agency_id.eq(agency));
    }
    if let Some(sub) = filter.sub_account_id {
        query = query.filter(audit_events::sub_account_id.eq(sub));
    }
    if let Some(target) = filter.target_id {
        query = query.filter(audit_events::target_id.eq(target));
    }
    if let Some(actor) = filter.actor_user_id {
        query = query.filter(audit_events::actor_user_id.eq(actor));
    }
    if let Some(action) = filter.action {
        query = query.filter(audit_events::action.eq(action));
    }
    query
}

/// Where a page of the log starts: events strictly older than this one (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The last shown event's time.
    pub occurred_at: DateTime<Utc>,
    /// Its id (ties on time are broken by id).
    pub id: Uuid,
}

/// The newest events matching the filter, older than `before` if given, at most `limit`:
/// a keyset page, as fast on the last page as on the first.
pub fn list(
    conn: &mut PgConnection,
    filter: &Filter,
    before: Option<Cursor>,
    limit: i64,
) -> QueryResult<Vec<Event>> {
    let mut query = filtered(filter);
    if let Some(cursor) = before {
        query = query.filter(
            audit_events::occurred_at
                .lt(cursor.occurred_at)
                .or(audit_events::occurred_at.eq(cursor.occurred_at).and(audit_events::id.lt(cursor.id))),
        );
    }
    query
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
        .map(|rows| rows.into_iter().map(Event::from).collect())
}

/// The choices of the audit log's filter form.
#[derive(Debug, Clone, Default)]
pub struct FilterOptions {
    /// Integrations that appear in the log: (id, latest name).
    pub integrations: Vec<(Uuid, String)>,
    /// People who acted: (id, latest label).
    pub actors: Vec<(UserId, String)>,
    /// Actions that appear.
    pub actions: Vec<AuditAction>,
}

/// How many integrations and people the filter form offers at most.
pub const MAX_OPTIONS: i64 = 500;

#[derive(QueryableByName)]
struct Choice {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    label: String,
}

/// One (id, latest label) per distinct value of `id_column` among the context's events
/// matching `condition`, at most [`MAX_OPTIONS`], by label.
fn latest_labels(
    conn: &mut PgConnection,
    context: &Filter,
    (id_column, label_column, condition): (&str, &str, &str),
) -> QueryResult<Vec<(Uuid, String)>> {
    use diesel::sql_types::{Nullable, Uuid as SqlUuid};
    let sql = format!(
        "SELECT id, label FROM (\
           SELECT DISTINCT ON ({id_column}) {id_column} AS id, {label_column} AS label FROM audit_events \
           WHERE agency_id IS NOT DISTINCT FROM $1 AND ($2::uuid IS NULL OR sub_account_id = $2) \
             AND {id_column} IS NOT NULL AND {label_column} IS NOT NULL AND {condition} \
           ORDER BY {id_column}, occurred_at DESC LIMIT {MAX_OPTIONS}\
         ) latest ORDER BY lower(label)"
    );
    Ok(diesel::sql_query(sql)
        .bind::<Nullable<SqlUuid>, _>(context.agency_id)
        .bind::<Nullable<SqlUuid>, _>(context.sub_account_id)
        .load::<Choice>(conn)?
        .into_iter()
        .map(|choice| (choice.id, choice.label))
        .collect())
}

/// The choices of the filter form, from the events of the context: one row per
/// integration and per person (their latest name), bounded, never the whole log.
pub fn filter_options(conn: &mut PgConnection, context: &Filter) -> QueryResult<FilterOptions> {
    let scope = Filter { target_id: None, actor_user_id: None, action: None, ..context.clone() };
    let integration_actions: Vec<String> = AuditAction::ALL
        .into_iter()
        .filter(|action| action.is_about_an_integration())
        .map(|action| format!("'{}'", action.as_str()))
        .collect();
    let integrations = latest_labels(
        conn,
        &scope,
        ("target_id", "target_label", &format!("action IN ({})", integration_actions.join(", "))),
    )?;
    let actors = latest_labels(conn, &scope, ("actor_user_id", "actor_label", "true"))?
        .into_iter()
        .map(|(id, label)| (UserId(id), label))
        .collect();
    let mut actions: Vec<AuditAction> =
        filtered(&scope).select(audit_events::action).distinct().load(conn)?;
    actions.sort_by_key(|action| action.as_str());
    Ok(FilterOptions { integrations, actors, actions })
}
