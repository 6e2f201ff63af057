//! `GET/POST …/private-integrations/{id}/delete`: a confirmation naming the integration,
//! then every token stops working at once.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::{IntegrationsPage, PathIds, integration_url, list_url};
use crate::app::{self, App};
use crate::web::current::{Section, Shell};
use crate::web::error::WebResult;
use crate::web::pages;
use crate::web::session::{FlashKind, SessionExtras as _};
use crate::web::sudo::Sudo;

#[derive(Template)]
#[template(path = "integrations/delete.html")]
struct ConfirmPage {
    shell: Shell,
    name: String,
    action: String,
    cancel_url: String,
}

/// The confirmation.
#[tracing::instrument(skip_all, fields(integration_id = %path.integration_id))]
pub async fn confirm(
    _sudo: Sudo,
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    let id = path.integration_id;
    let integration = app::integrations::find(&app, page.requester(), page.context, id).await?;
    let url = integration_url(page.context, id);
    pages::render(&ConfirmPage {
        shell: page.shell(Some(Section::PrivateIntegrations)),
        name: integration.name,
        action: format!("{url}/delete"),
        cancel_url: url,
    })
}

/// Deletes the integration; its tokens stop working at once.
#[tracing::instrument(skip_all, fields(integration_id = %path.integration_id))]
pub async fn submit(
    _sudo: Sudo,
    page: IntegrationsPage,
    app: web::Data<App>,
    path: web::Path<PathIds>,
) -> WebResult<HttpResponse> {
    let deleted =
        app::integrations::delete(&app, page.requester(), page.context, path.integration_id).await?;
    page.me.session.flash(
        FlashKind::Success,
        format!("Integration “{}” deleted. Its tokens no longer work.", deleted.name),
    )?;
    Ok(pages::see_other(&list_url(page.context)))
}
