//! `GET …/private-integrations/{id}` (the detail page) and `GET …/{id}/reveal` (the
//! one-time reveal of a newly issued token).

use actix_web::{HttpResponse, web};
use askama::Template;

use super::{IntegrationsPage, PathIds, integration_url, list_url};
use crate::app::{self, App};
use crate::domain::integration::Status;
use crate::domain::rotation::TokenState;
use crate::web::current::{Section, Shell};
use crate::web::error::WebResult;
use crate::web::pages;
use crate::web::reveal;

/// A scope as the detail page lists it.
pub struct HeldScope {
    /// Its name.
    pub name: String,
    /// Its label, or `None` if the catalog no longer has it ("unknown").
    pub label: Option<String>,
}

/// A token as the detail page lists it.
pub struct TokenRow {
    /// `pit-…Xy12`.
    pub hint: String,
    /// "Current", "Expiring", "Expired" or "Revoked".
    pub state: &'static str,
    /// Badge style.
    pub tone: &'static str,
    /// When issued.
    pub created_at: String,
    /// When it stops working ("Never" for a current token).
    pub expires: String,
    /// Last use.
    pub last_used: String,
}

#[derive(Template)]
#[template(path = "integrations/detail.html")]
struct DetailPage {
    shell: Shell,
    name: String,
    description: String,
    status: Status,
    scopes: Vec<HeldScope>,
    tokens: Vec<TokenRow>,
    created_by: String,
    created_at: String,
    list_url: String,
    edit_url: String,
    delete_url: String,
    url: String,
    rotation: Option<super::Countdown>,
    /// During a rotation: whether anything still calls with the old token.
    old_token_use: Option<String>,
    usage: super::usage::UsageView,
}

/// The detail page.
#[tracing::instrument(skip_all, fields(integration_id = %path.integration_id))]
pub async fn page(
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    let id = path.integration_id;
    let detail = app::integrations::detail(&app, page.requester(), page.context, id).await?;
    let report = app::usage::report(&app, page.requester(), page.context, id).await?;
    let now = app.clock.now();
    let integration = detail.integration;
    let usage = super::usage::UsageView::new(
        &report,
        &detail.tokens,
        &integration.scopes,
        app.config.rate_limits.daily,
        if page.context.sub_account_id().is_some() { "this sub-account" } else { "this agency" },
    );
    let scopes = integration
        .scopes
        .iter()
        .map(|name| HeldScope {
            label: app.catalog.get(name).map(|scope| scope.label.clone()),
            name: name.clone(),
        })
        .collect();
    let tokens = detail
        .tokens
        .iter()
        .map(|token| {
            let (state, tone, expires) = match token.state {
                TokenState::Current => ("Current", "success", "Never".to_owned()),
                TokenState::Expiring { expires_at } if expires_at > now => {
                    ("Expiring", "warning", pages::format_time(expires_at))
                }
                TokenState::Expiring { expires_at } => ("Expired", "neutral", pages::format_time(expires_at)),
                TokenState::Revoked => (
                    "Revoked",
                    "neutral",
                    token
                        .revoked_at
                        .map_or_else(String::new, |at| format!("Revoked {}", pages::format_time(at))),
                ),
            };
            TokenRow {
                hint: token.hint(),
                state,
                tone,
                created_at: pages::format_time(token.created_at),
                expires,
                last_used: super::last_used(token.last_used.as_ref()),
            }
        })
        .collect();
    let url = integration_url(page.context, id);
    pages::render(&DetailPage {
        shell: page.shell(Some(Section::PrivateIntegrations)),
        status: detail.overview.status,
        scopes,
        tokens,
        created_by: integration.created_by_label,
        created_at: pages::format_time(integration.created_at),
        rotation: detail.overview.rotation.map(|(_, expires_at)| super::Countdown::new(expires_at, now)),
        old_token_use: detail.overview.old_token_use.as_ref().map(|used| super::old_token_use(used, now)),
        list_url: list_url(page.context),
        usage,
        edit_url: format!("{url}/edit"),
        delete_url: format!("{url}/delete"),
        url,
        name: integration.name,
        description: integration.description,
    })
}

#[derive(Template)]
#[template(path = "integrations/reveal.html")]
struct RevealPage {
    shell: Shell,
    name: String,
    token: Option<String>,
    detail_url: String,
}

/// Shows a newly issued token exactly once; afterwards the page says it is no longer
/// available. Never cached.
#[tracing::instrument(skip_all, fields(integration_id = %path.integration_id))]
pub async fn reveal(
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    let id = path.integration_id;
    let integration = app::integrations::find(&app, page.requester(), page.context, id).await?;
    let token = match reveal::pending(&page.me.session, id) {
        Some(pending) => app::reveals::take(&app, page.requester(), page.context, id, pending).await?,
        None => None,
    };
    Ok(pages::secret(pages::render(&RevealPage {
        shell: page.shell(Some(Section::PrivateIntegrations)),
        name: integration.name,
        token: token.map(|token| token.expose().to_owned()),
        detail_url: integration_url(page.context, id),
    })?))
}
