//! Private integrations of an agency or a sub-account: list, read, create, edit, delete.
//! Only people who may manage integrations in the context reach any of these.

use std::sync::Arc;

use serde_json::json;

use crate::db::{self, integrations::NewIntegration};
use crate::domain::access::{Action, Context};
use crate::domain::audit::AuditAction;
use crate::domain::events::{Event, EventKind};
use crate::domain::ids::IntegrationId;
use crate::domain::integration::{
    Description, Integration, IntegrationName, Overview, Owner, Summary, Token,
};
use crate::domain::scopes::{self, ScopeSet};

use super::tokens::Change;
use super::{App, AppError, AppResult, Requester};

/// May the requester manage the integrations of `context`?
pub(super) fn allowed(by: &Requester, context: Context) -> AppResult<()> {
    AppError::check(by.person()?.decide(Action::ManageIntegrations, context))
}

/// An integration as the list shows it.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The integration, as its row names it.
    pub integration: Summary,
    /// Its status, rotation and last use.
    pub overview: Overview,
    /// API calls in the last 7 days.
    pub requests_7_days: i64,
}

/// The live integrations of a context, oldest first.
#[tracing::instrument(skip_all, fields(?context))]
pub async fn list(app: &App, by: &Requester, context: Context) -> AppResult<Vec<Listed>> {
    allowed(by, context)?;
    let owner = Owner::of(context);
    let now = app.clock.now();
    // The days the integration page counts as its last 7.
    let first = crate::domain::usage::first_day(now, 7);
    let remembered = app.usage.weekly(owner, first);
    let (found, requests) = app
        .read(move |conn| {
            let found = db::integrations::list(conn, owner)?;
            let requests = match remembered {
                Some(requests) => requests,
                None => Arc::new(db::usage::totals_since(conn, owner, first)?),
            };
            Ok((found, requests))
        })
        .await?;
    app.usage.remember_weekly(owner, first, Arc::clone(&requests));
    Ok(found
        .into_iter()
        .map(|(integration, tokens)| {
            let overview = Overview::of(integration.created_at, &tokens, now);
            let requests_7_days = requests.get(&integration.id).copied().unwrap_or(0);
            Listed { integration, overview, requests_7_days }
        })
        .collect())
}

/// An integration with all its tokens, as its page shows it.
#[derive(Debug, Clone)]
pub struct Detail {
    /// The integration.
    pub integration: Integration,
    /// Every token it had, newest first.
    pub tokens: Vec<Token>,
    /// Its status, rotation and last use.
    pub overview: Overview,
}

/// One live integration of the context with its tokens; not found for anyone else's.
#[tracing::instrument(skip_all, fields(?context, %id))]
pub async fn detail(app: &App, by: &Requester, context: Context, id: IntegrationId) -> AppResult<Detail> {
    allowed(by, context)?;
    let owner = Owner::of(context);
    let (integration, tokens) = app
        .read(move |conn| {
            let integration = db::integrations::find(conn, owner, id)?;
            let tokens = db::integrations::tokens(conn, id)?;
            Ok((integration, tokens))
        })
        .await?;
    let overview = Overview::of(integration.created_at, &tokens, app.clock.now());
    Ok(Detail { integration, tokens, overview })
}

/// One live integration of the context; not found for anyone else's.
#[tracing::instrument(skip_all)]
pub async fn find(app: &App, by: &Requester, context: Context, id: IntegrationId) -> AppResult<Integration> {
    allowed(by, context)?;
    let owner = Owner::of(context);
    app.read(move |conn| Ok(db::integrations::find(conn, owner, id)?)).await
}

/// What a person typed for an integration, parsed.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Its name.
    pub name: IntegrationName,
    /// Its description.
    pub description: Description,
    /// Its scopes, checked against the catalog at the context's level.
    pub scopes: ScopeSet,
}

/// A new integration; its first token awaits its one reveal.
pub struct Created {
    /// The integration.
    pub integration: Integration,
    /// The reveal of its token (see [`super::reveals::take`]).
    pub reveal: uuid::Uuid,
}

/// Creates an integration in `context` with its first token. From the wizard's `draft`, at
/// most once: a draft sent again while its integration is being created gets
/// [`AppError::AlreadyDone`] (the integration's `integration.created` event is told once
/// per draft, and a second telling rolls its transaction back).
#[tracing::instrument(skip_all, fields(?context))]
pub async fn create(
    app: &App,
    by: &Requester,
    context: Context,
    fields: Fields,
    draft: Option<uuid::Uuid>,
) -> AppResult<Created> {
    allowed(by, context)?;
    let actor = by.person()?;
    let (token, issued) = super::tokens::issue(app);
    let now = app.clock.now();
    let owner = Owner::of(context);
    let email = match &by.principal {
        super::Principal::User { email, .. } => email.clone(),
        super::Principal::Token(_) => return Err(AppError::Forbidden),
    };
    let new = NewIntegration {
        owner,
        name: fields.name,
        description: fields.description,
        scopes: fields.scopes,
        created_by: Some(actor.id),
        created_by_label: email,
    };
    let event = by.event(AuditAction::IntegrationCreate, owner.agency_id, owner.sub_account_id, now);
    let keys = app.keys.clone();
    let user = actor.id;
    let emails = app.outbox.emails();
    let (integration, reveal) = app
        .write(move |conn| {
            let integration = db::integrations::create(conn, &new, &issued, now)?;
            let mut told = Event::about(EventKind::IntegrationCreated, &integration, json!({}), now);
            if let Some(draft) = draft {
                told = told.once(format!("draft:{draft}"));
            }
            if !super::outbox::publish(conn, emails, &told)? {
                // The draft's creation was told already: it was sent twice, and the other
                // request created it. This one changes nothing.
                return Err(AppError::AlreadyDone);
            }
            let reveal = super::reveals::stash(conn, &keys, (user, integration.id), &token, now)?;
            db::audit::record(
                conn,
                &db::audit::NewEvent {
                    target_id: Some(integration.id.0),
                    target_label: Some(integration.name.clone()),
                    details: serde_json::json!({ "scopes": new.scopes.names() }),
                    ..event
                },
            )?;
            Ok((integration, reveal))
        })
        .await?;
    tracing::info!(integration_id = %integration.id, "integration created");
    Ok(Created { integration, reveal })
}

/// Replaces an integration's name, description and scopes. Its tokens do not change;
/// the new scopes apply to API calls at once, on every instance.
#[tracing::instrument(skip_all, fields(?context, %id))]
pub async fn update(
    app: &App,
    by: &Requester,
    context: Context,
    id: IntegrationId,
    fields: Fields,
) -> AppResult<Integration> {
    allowed(by, context)?;
    let owner = Owner::of(context);
    let now = app.clock.now();
    let event = by.event(AuditAction::IntegrationUpdate, owner.agency_id, owner.sub_account_id, now);
    let emails = app.outbox.emails();
    let updated = app
        .write(move |conn| {
            let before = db::integrations::lock(conn, owner, id)?;
            db::integrations::update(conn, id, &fields.name, &fields.description, &fields.scopes, now)?;
            let (added, removed) = scopes::diff(&before.scopes, fields.scopes.names());
            db::audit::record(
                conn,
                &db::audit::NewEvent {
                    target_id: Some(id.0),
                    target_label: Some(fields.name.as_str().to_owned()),
                    details: serde_json::json!({
                        "name": { "before": before.name, "after": fields.name.as_str() },
                        "description_changed": before.description != fields.description.as_str(),
                        "scopes_added": added,
                        "scopes_removed": removed,
                    }),
                    ..event
                },
            )?;
            let updated = db::integrations::find(conn, owner, id)?;
            let changes = json!({ "scopesAdded": added, "scopesRemoved": removed });
            super::outbox::publish(
                conn,
                emails,
                &Event::about(EventKind::IntegrationUpdated, &updated, changes, now),
            )?;
            Ok(updated)
        })
        .await?;
    app.tokens.changed(Change::Integration(id));
    Ok(updated)
}

/// Deletes an integration; every token it has stops working at once.
#[tracing::instrument(skip_all, fields(?context, %id))]
pub async fn delete(
    app: &App,
    by: &Requester,
    context: Context,
    id: IntegrationId,
) -> AppResult<Integration> {
    allowed(by, context)?;
    let owner = Owner::of(context);
    let now = app.clock.now();
    let event = by.event(AuditAction::IntegrationDelete, owner.agency_id, owner.sub_account_id, now);
    let emails = app.outbox.emails();
    let deleted = app
        .write(move |conn| {
            let integration = db::integrations::lock(conn, owner, id)?;
            db::integrations::delete(conn, id, now)?;
            let told = Event::about(EventKind::IntegrationDeleted, &integration, json!({}), now);
            super::outbox::publish(conn, emails, &told)?;
            db::audit::record(
                conn,
                &db::audit::NewEvent {
                    target_id: Some(id.0),
                    target_label: Some(integration.name.clone()),
                    details: serde_json::json!({ "scopes": integration.scopes }),
                    ..event
                },
            )?;
            Ok(integration)
        })
        .await?;
    app.tokens.changed(Change::Integration(id));
    Ok(deleted)
}
