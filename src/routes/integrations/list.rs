//! `GET …/private-integrations`: the integrations of the current context.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::{IntegrationsPage, integration_url};
use crate::db;
use crate::domain::integration::Status;
use crate::error::AppResult;
use crate::web::current::{Section, Shell};
use crate::web::{AppState, pages};

/// One row of the list.
pub struct Row {
    /// Link to the detail page.
    pub href: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// How many scopes.
    pub scope_count: usize,
    /// Status badge.
    pub status: Status,
    /// Creator's email.
    pub created_by: String,
    /// Creation time, formatted.
    pub created_at: String,
    /// Last use ("Never used" when none).
    pub last_used: String,
    /// The running rotation's countdown.
    pub rotation: Option<super::Countdown>,
}

#[derive(Template)]
#[template(path = "integrations/list.html")]
struct ListPage {
    shell: Shell,
    new_url: String,
    rows: Vec<Row>,
    level_label: &'static str,
}

/// The list, or its empty state.
pub async fn page(page: IntegrationsPage, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let owner = page.owner;
    let found = state.db.run(move |conn| Ok(db::integrations::list(conn, owner)?)).await?;
    let now = state.clock.now();
    let rows = found
        .into_iter()
        .map(|(integration, tokens)| {
            let current = tokens.iter().find(|token| token.state == "current");
            let rotation = db::integrations::lifecycle(&tokens).rotation(now);
            let last_used = tokens
                .iter()
                .filter_map(|token| token.last_used_at.map(|at| (at, token)))
                .max_by_key(|(at, _)| *at);
            Row {
                href: integration_url(page.context, integration.id),
                scope_count: integration.scopes.len(),
                status: Status::of(
                    current.map_or(integration.created_at, |token| token.created_at),
                    rotation.is_some(),
                    now,
                ),
                rotation: rotation.map(|(_, expires_at)| super::Countdown::new(expires_at, now)),
                created_by: integration.created_by_label.clone(),
                created_at: pages::format_time(integration.created_at),
                last_used: super::last_used(
                    last_used.map(|(at, _)| at),
                    last_used.and_then(|(_, token)| token.last_used_ip.as_deref()),
                ),
                name: integration.name,
                description: integration.description,
            }
        })
        .collect();
    pages::render(&ListPage {
        shell: page.shell(Some(Section::PrivateIntegrations)),
        new_url: format!("{}/new", super::list_url(page.context)),
        rows,
        level_label: if page.context.sub_account_id().is_some() { "sub-account" } else { "agency" },
    })
}
