//! `GET …/private-integrations`: the integrations of the current context.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::{IntegrationsPage, integration_url_in};
use crate::app::{self, App};
use crate::domain::integration::Status;
use crate::web::current::{Section, Shell};
use crate::web::error::WebResult;
use crate::web::pages;

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
    /// API calls in the last 7 days, formatted.
    pub requests_7_days: String,
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
#[tracing::instrument(skip_all)]
pub async fn page(page: IntegrationsPage, app: web::Data<App>) -> WebResult<HttpResponse> {
    let listed = app::integrations::list(&app, page.requester(), page.context).await?;
    let now = app.clock.now();
    let list_url = super::list_url(page.context);
    let rows = listed
        .into_iter()
        .map(|app::integrations::Listed { integration, overview, requests_7_days }| Row {
            requests_7_days: pages::number(requests_7_days),
            href: integration_url_in(&list_url, integration.id),
            scope_count: integration.scope_count,
            status: overview.status,
            rotation: overview.rotation.map(|(_, expires_at)| super::Countdown::new(expires_at, now)),
            created_by: integration.created_by_label,
            created_at: pages::format_time(integration.created_at),
            last_used: super::last_used(overview.last_used.as_ref()),
            name: integration.name,
            description: integration.description,
        })
        .collect();
    pages::render(&ListPage {
        shell: page.shell(Some(Section::PrivateIntegrations)),
        new_url: format!("{list_url}/new"),
        rows,
        level_label: if page.context.sub_account_id().is_some() { "sub-account" } else { "agency" },
    })
}
