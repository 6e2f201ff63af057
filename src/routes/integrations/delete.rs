//! `GET/POST …/private-integrations/{id}/delete`: a confirmation naming the integration,
//! then every token stops working at once.

use crate::db::notify::Change;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{IntegrationsPage, PathIds, integration_url, list_url};
use crate::db;
use crate::error::{AppError, AppResult};
use crate::web::current::{Section, Shell};
use crate::web::session::{FlashKind, SessionExtras as _};
use crate::web::{AppState, client, pages};

#[derive(Template)]
#[template(path = "integrations/delete.html")]
struct ConfirmPage {
    shell: Shell,
    name: String,
    action: String,
    cancel_url: String,
}

/// The confirmation.
pub async fn confirm(
    page: IntegrationsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
) -> AppResult<HttpResponse> {
    let id = path.integration_id;
    let integration = super::find(&page, &state, id).await?;
    let url = integration_url(page.context, id);
    pages::render(&ConfirmPage {
        shell: page.shell(Some(Section::PrivateIntegrations)),
        name: integration.name,
        action: format!("{url}/delete"),
        cancel_url: url,
    })
}

/// Deletes the integration and revokes its tokens, in one transaction.
#[tracing::instrument(skip_all, fields(integration_id = %path.integration_id))]
pub async fn submit(
    req: HttpRequest,
    page: IntegrationsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
) -> AppResult<HttpResponse> {
    let owner = page.owner;
    let id = path.integration_id;
    let now = state.clock.now();
    let event = page.audit("integration.delete", client::ip(&req), now);
    let name = state
        .db
        .transaction(move |conn| {
            let integration = db::integrations::lock(conn, owner, id)?;
            db::integrations::delete(conn, id, now)?;
            db::audit::record(
                conn,
                &db::audit::NewEvent {
                    target_id: Some(id.0),
                    target_label: Some(integration.name.clone()),
                    details: serde_json::json!({ "scopes": integration.scope_names() }),
                    ..event
                },
            )?;
            Ok::<_, AppError>(integration.name)
        })
        .await?;
    state.tokens.changed(Change::Integration(id));
    page.me
        .session
        .flash(FlashKind::Success, format!("Integration “{name}” deleted. Its tokens no longer work."))?;
    Ok(pages::see_other(&list_url(page.context)))
}
