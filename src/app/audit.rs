//! Reading the audit log: an agency's log holds every event of the agency; a
//! sub-account's only its own. Events outlive the objects they describe.

use uuid::Uuid;

pub use crate::db::audit::Cursor;
use crate::db::{self, audit::Filter, audit::FilterOptions};
use crate::domain::access::{Action, Context};
use crate::domain::audit::AuditAction;
use crate::domain::audit::Event;
use crate::domain::ids::UserId;

use super::{App, AppError, AppResult, Requester};

/// What the reader asks to see.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Only events about this integration.
    pub integration: Option<Uuid>,
    /// Only events by this person.
    pub user: Option<UserId>,
    /// Only this action.
    pub action: Option<AuditAction>,
}

fn filter_for(context: Context, query: &Query) -> Filter {
    Filter {
        agency_id: Some(context.agency_id()),
        sub_account_id: context.sub_account_id(),
        target_id: query.integration,
        actor_user_id: query.user,
        action: query.action,
    }
}

/// A page of the log.
#[derive(Debug, Clone)]
pub struct Page {
    /// Its events, newest first.
    pub events: Vec<Event>,
    /// Where the next (older) page starts, if there is one.
    pub older: Option<Cursor>,
    /// The choices of the filter form.
    pub options: FilterOptions,
}

/// A page of the newest events of the context matching the query (older than `before`
/// if given, at most `limit`), and the choices of the filter form.
#[tracing::instrument(skip_all, fields(?context))]
pub async fn events(
    app: &App,
    by: &Requester,
    context: Context,
    query: Query,
    before: Option<Cursor>,
    limit: i64,
) -> AppResult<Page> {
    AppError::check(by.person()?.decide(Action::ViewAuditLog, context))?;
    let filter = filter_for(context, &query);
    let scope = filter_for(context, &Query::default());
    let (mut events, options) = app
        .read(move |conn| {
            Ok((db::audit::list(conn, &filter, before, limit + 1)?, db::audit::filter_options(conn, &scope)?))
        })
        .await?;
    let page_size = usize::try_from(limit).unwrap_or(usize::MAX);
    let older = if events.len() > page_size {
        events.truncate(page_size);
        events.last().map(|last| Cursor { occurred_at: last.occurred_at, id: last.id })
    } else {
        None
    };
    Ok(Page { events, older, options })
}

/// The events of the context matching the query, for an export (at most `limit`).
#[tracing::instrument(skip_all, fields(?context))]
pub async fn export(
    app: &App,
    by: &Requester,
    context: Context,
    query: Query,
    limit: i64,
) -> AppResult<Vec<Event>> {
    AppError::check(by.person()?.decide(Action::ViewAuditLog, context))?;
    let filter = filter_for(context, &query);
    app.read(move |conn| Ok(db::audit::list(conn, &filter, None, limit)?)).await
}
