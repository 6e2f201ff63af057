//! The endpoints' list, an endpoint's page with its delivery log, its one-time secret,
//! and its actions.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::{EndpointView, PathIds, endpoint_url, list_url};
use crate::app::{self, App, AppError};
use crate::routes::integrations::IntegrationsPage;
use crate::web::current::{Section, Shell};
use crate::web::error::WebResult;
use crate::web::pages;
use crate::web::session::{FlashKind, SessionExtras as _};
use crate::web::sudo::Sudo;

#[derive(Template)]
#[template(path = "webhooks/list.html")]
struct ListPage {
    shell: Shell,
    new_url: String,
    endpoints: Vec<EndpointView>,
    level_label: &'static str,
}

/// Settings > Webhooks.
#[tracing::instrument(skip_all)]
pub async fn list(page: IntegrationsPage, app: web::Data<App>) -> WebResult<HttpResponse> {
    let endpoints = app::webhooks::list(&app, page.requester(), page.context).await?;
    pages::render(&ListPage {
        shell: page.shell(Some(Section::Webhooks)),
        new_url: format!("{}/new", list_url(page.context)),
        endpoints: endpoints.iter().map(|endpoint| EndpointView::of(page.context, endpoint)).collect(),
        level_label: if page.context.sub_account_id().is_some() { "sub-account" } else { "agency" },
    })
}

/// A line of the delivery log.
struct LogRow {
    at: String,
    event: String,
    attempt: i32,
    result: String,
    ok: bool,
    response: Option<String>,
}

#[derive(Template)]
#[template(path = "webhooks/endpoint.html")]
struct EndpointPage {
    shell: Shell,
    list_url: String,
    endpoint: EndpointView,
    previous_secret_until: Option<String>,
    pending: i64,
    log: Vec<LogRow>,
}

/// An endpoint's page.
#[tracing::instrument(skip_all, fields(endpoint_id = %path.endpoint_id))]
pub async fn page(
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    let detail = app::webhooks::detail(&app, page.requester(), page.context, path.endpoint_id).await?;
    let now = app.clock.now();
    let log = detail
        .log
        .into_iter()
        .map(|line| LogRow {
            at: pages::format_time(line.at),
            event: line.kind,
            attempt: line.attempt,
            ok: line.status.is_some_and(|status| (200..300).contains(&status)),
            result: match (line.status, line.error) {
                (Some(status), _) => format!("HTTP {status} in {} ms", line.duration_ms),
                (None, Some(error)) => error,
                (None, None) => "No answer".to_owned(),
            },
            response: line.response,
        })
        .collect();
    pages::render(&EndpointPage {
        shell: page.shell(Some(Section::Webhooks)),
        list_url: list_url(page.context),
        endpoint: EndpointView::of(page.context, &detail.endpoint),
        previous_secret_until: detail
            .endpoint
            .previous_secret_until
            .filter(|&until| until > now)
            .map(pages::format_time),
        pending: detail.pending,
        log,
    })
}

#[derive(Template)]
#[template(path = "webhooks/secret.html")]
struct SecretPage {
    shell: Shell,
    secret: Option<String>,
    endpoint_url: String,
}

/// The new signing secret, once, for the person who made it.
#[tracing::instrument(skip_all, fields(endpoint_id = %path.endpoint_id))]
pub async fn secret(
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    let id = path.endpoint_id;
    // Not found unless the endpoint is within reach, whatever is left to show.
    app::webhooks::detail(&app, page.requester(), page.context, id).await?;
    let secret = match app::webhooks::take_secret(&app, page.requester(), page.context, id).await {
        Ok(secret) => Some(secret),
        Err(AppError::NotFound) => None,
        Err(other) => return Err(other.into()),
    };
    let response = pages::render(&SecretPage {
        shell: page.shell(Some(Section::Webhooks)),
        secret,
        endpoint_url: endpoint_url(page.context, id),
    })?;
    Ok(pages::secret(response))
}

/// **Send test event**: attempted at once; the flash says how it went.
#[tracing::instrument(skip_all, fields(endpoint_id = %path.endpoint_id))]
pub async fn send_test(
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    let id = path.endpoint_id;
    let url = endpoint_url(page.context, id);
    let outcome = match app::webhooks::send_test(&app, page.requester(), page.context, id).await {
        Ok(outcome) => outcome,
        Err(AppError::Refused(message)) => {
            page.me.session.flash(FlashKind::Error, message)?;
            return Ok(pages::see_other(&url));
        }
        Err(other) => return Err(other.into()),
    };
    let (kind, message) = match (outcome.delivered, outcome.status, outcome.error) {
        (true, Some(status), _) => (FlashKind::Success, format!("Test event delivered: HTTP {status}.")),
        (_, Some(status), _) => (
            FlashKind::Error,
            format!("Test event failed: the endpoint answered HTTP {status}. It will be tried again."),
        ),
        (_, None, error) => (
            FlashKind::Error,
            format!(
                "Test event failed: {}. It will be tried again.",
                error.unwrap_or_else(|| "no answer".to_owned())
            ),
        ),
    };
    page.me.session.flash(kind, message)?;
    Ok(pages::see_other(&url))
}

/// **Rotate secret** (in sudo mode): the new secret is shown once; the old one signs
/// alongside for 24 hours.
#[tracing::instrument(skip_all, fields(endpoint_id = %path.endpoint_id))]
pub async fn rotate_secret(
    _sudo: Sudo,
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    let id = path.endpoint_id;
    match app::webhooks::rotate_secret(&app, page.requester(), page.context, id).await {
        Ok(_) => Ok(pages::see_other(&format!("{}/secret", endpoint_url(page.context, id)))),
        Err(AppError::Refused(message)) => {
            page.me.session.flash(FlashKind::Error, message)?;
            Ok(pages::see_other(&endpoint_url(page.context, id)))
        }
        Err(other) => Err(other.into()),
    }
}

/// **Disable**.
#[tracing::instrument(skip_all, fields(endpoint_id = %path.endpoint_id))]
pub async fn disable(
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    set_enabled(page, app, path.endpoint_id, false).await
}

/// **Enable**.
#[tracing::instrument(skip_all, fields(endpoint_id = %path.endpoint_id))]
pub async fn enable(
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    set_enabled(page, app, path.endpoint_id, true).await
}

async fn set_enabled(
    page: IntegrationsPage,
    app: web::Data<App>,
    id: crate::domain::ids::EndpointId,
    enabled: bool,
) -> WebResult<HttpResponse> {
    let endpoint = app::webhooks::set_enabled(&app, page.requester(), page.context, id, enabled).await?;
    let message = if enabled {
        format!("{} is enabled. New events are delivered to it again.", endpoint.url)
    } else {
        format!("{} is disabled. It receives no deliveries until you enable it.", endpoint.url)
    };
    page.me.session.flash(FlashKind::Success, message)?;
    Ok(pages::see_other(&endpoint_url(page.context, id)))
}

#[derive(Template)]
#[template(path = "webhooks/delete.html")]
struct ConfirmPage {
    shell: Shell,
    url: String,
    action: String,
    cancel_url: String,
}

/// The confirmation of **Delete** (in sudo mode).
#[tracing::instrument(skip_all, fields(endpoint_id = %path.endpoint_id))]
pub async fn confirm_delete(
    _sudo: Sudo,
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    let id = path.endpoint_id;
    let detail = app::webhooks::detail(&app, page.requester(), page.context, id).await?;
    let url = endpoint_url(page.context, id);
    pages::render(&ConfirmPage {
        shell: page.shell(Some(Section::Webhooks)),
        url: detail.endpoint.url,
        action: format!("{url}/delete"),
        cancel_url: url,
    })
}

/// Deletes the endpoint (in sudo mode).
#[tracing::instrument(skip_all, fields(endpoint_id = %path.endpoint_id))]
pub async fn delete(
    _sudo: Sudo,
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    let deleted = app::webhooks::delete(&app, page.requester(), page.context, path.endpoint_id).await?;
    page.me
        .session
        .flash(FlashKind::Success, format!("Endpoint {} deleted. It receives nothing more.", deleted.url))?;
    Ok(pages::see_other(&list_url(page.context)))
}
