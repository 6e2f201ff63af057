//! `GET …/private-integrations/{id}` (the detail page) and `GET …/{id}/reveal` (the
//! one-time reveal of a newly issued token).

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{IntegrationsPage, PathIds, integration_url, list_url};
use crate::db;
use crate::domain::integration::Status;
use crate::domain::token;
use crate::error::AppResult;
use crate::web::current::{Section, Shell};
use crate::web::{AppState, pages};

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
    /// "Current", "Expiring" or "Revoked".
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
}

/// The detail page.
pub async fn page(
    page: IntegrationsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
) -> AppResult<HttpResponse> {
    let owner = page.owner;
    let id = path.integration_id;
    let (integration, tokens) = state
        .db
        .run(move |conn| {
            let integration = db::integrations::find(conn, owner, id)?;
            let tokens = db::integrations::tokens(conn, id)?;
            Ok((integration, tokens))
        })
        .await?;
    let now = state.clock.now();
    let current = tokens.iter().find(|token| token.state == "current");
    let rotation = db::integrations::lifecycle(&tokens).rotation(now);
    let status =
        Status::of(current.map_or(integration.created_at, |token| token.created_at), rotation.is_some(), now);
    let scopes = integration
        .scope_names()
        .into_iter()
        .map(|name| HeldScope { label: state.catalog.get(&name).map(|scope| scope.label.clone()), name })
        .collect();
    let tokens = tokens
        .iter()
        .map(|row| {
            let (state, tone) = match row.state.as_str() {
                "current" => ("Current", "success"),
                "expiring" if row.expires_at.is_some_and(|at| at > now) => ("Expiring", "warning"),
                "expiring" => ("Expired", "neutral"),
                _ => ("Revoked", "neutral"),
            };
            TokenRow {
                hint: token::hint(&row.last4),
                state,
                tone,
                created_at: pages::format_time(row.created_at),
                expires: match (row.expires_at, row.revoked_at) {
                    (_, Some(revoked)) => format!("Revoked {}", pages::format_time(revoked)),
                    (Some(at), None) => pages::format_time(at),
                    (None, None) => "Never".to_owned(),
                },
                last_used: super::last_used(row.last_used_at, row.last_used_ip.as_deref()),
            }
        })
        .collect();
    let url = integration_url(page.context, id);
    pages::render(&DetailPage {
        shell: page.shell(Some(Section::PrivateIntegrations)),
        status,
        scopes,
        tokens,
        created_by: integration.created_by_label.clone(),
        created_at: pages::format_time(integration.created_at),
        rotation: rotation.map(|(_, expires_at)| super::Countdown::new(expires_at, now)),
        list_url: list_url(page.context),
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
pub async fn reveal(
    page: IntegrationsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
) -> AppResult<HttpResponse> {
    let id = path.integration_id;
    let integration = super::find(&page, &state, id).await?;
    let token = state.sealer.take(&page.me.session, id);
    let mut response = pages::render(&RevealPage {
        shell: page.shell(Some(Section::PrivateIntegrations)),
        name: integration.name,
        token: token.map(|token| token.expose().to_owned()),
        detail_url: integration_url(page.context, id),
    })?;
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        CacheControl(vec![CacheDirective::NoStore, CacheDirective::Private]).to_string().parse().map_err(
            |error: actix_web::http::header::InvalidHeaderValue| {
                crate::error::AppError::Internal(error.into())
            },
        )?,
    );
    Ok(response)
}
