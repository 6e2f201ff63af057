//! The audit trail: who did what, when and from where.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::audit_events;
use crate::domain::ids::{AgencyId, SubAccountId, UserId};

/// One event to record.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewEvent {
    /// Its id.
    pub id: Uuid,
    /// The agency it concerns (none for a sign-in failure with an unknown email).
    pub agency_id: Option<AgencyId>,
    /// The sub-account it concerns, if any.
    pub sub_account_id: Option<SubAccountId>,
    /// Who did it, if a known user.
    pub actor_user_id: Option<UserId>,
    /// How to name the actor even after they are gone (their email, or "CLI").
    pub actor_label: String,
    /// What happened, dotted (`user.sign_in`, `integration.create`).
    pub action: String,
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
    pub fn new(action: &str, actor_label: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::new_v4(),
            agency_id: None,
            sub_account_id: None,
            actor_user_id: None,
            actor_label: actor_label.into(),
            action: action.to_owned(),
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
pub fn actions_of(conn: &mut PgConnection, agency_id: AgencyId) -> QueryResult<Vec<String>> {
    audit_events::table
        .filter(audit_events::agency_id.eq(agency_id))
        .order(audit_events::occurred_at.desc())
        .select(audit_events::action)
        .load(conn)
}
