//! `GET/POST …/labs`: the per-agency and per-sub-account feature toggles. Labs hides the
//! UI only; existing tokens keep working.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db;
use crate::domain::access::Action;
use crate::error::{AppError, AppResult};
use crate::web::current::{Section, SettingsPage, Shell, section_url};
use crate::web::session::{FlashKind, SessionExtras as _};
use crate::web::{AppState, client, pages};

#[derive(Template)]
#[template(path = "settings/labs.html")]
struct LabsPage {
    shell: Shell,
    action: String,
    private_integrations: bool,
    context_kind: &'static str,
}

/// The toggles.
pub async fn page(page: SettingsPage) -> AppResult<HttpResponse> {
    page.require(Action::ManageLabs)?;
    pages::render(&LabsPage {
        shell: page.shell(Some(Section::Labs)),
        action: section_url(page.context, Section::Labs),
        private_integrations: page.private_integrations_enabled,
        context_kind: if page.context.sub_account_id().is_some() { "sub-account" } else { "agency" },
    })
}

/// Fields of the Labs form; an unticked checkbox is simply absent.
#[derive(Deserialize)]
pub struct LabsForm {
    private_integrations: Option<String>,
}

/// Saves the toggles.
pub async fn submit(
    req: HttpRequest,
    page: SettingsPage,
    state: web::Data<AppState>,
    form: web::Form<LabsForm>,
) -> AppResult<HttpResponse> {
    page.require(Action::ManageLabs)?;
    let enabled = form.private_integrations.is_some();
    let before = page.private_integrations_enabled;
    let context = page.context;
    let url = section_url(context, Section::Labs);
    if enabled != before {
        let event = db::audit::NewEvent {
            target_id: Some(context.sub_account_id().map_or(context.agency_id().0, |id| id.0)),
            target_label: Some(page.context_name().to_owned()),
            details: serde_json::json!({ "flag": "private_integrations", "before": before, "after": enabled }),
            ..page.audit("labs.update", client::ip(&req), state.clock.now())
        };
        state
            .db
            .transaction(move |conn| {
                db::agencies::set_labs_private_integrations(
                    conn,
                    context.agency_id(),
                    context.sub_account_id(),
                    enabled,
                )?;
                db::audit::record(conn, &event)?;
                Ok::<_, AppError>(())
            })
            .await?;
    }
    let message = if enabled {
        "Private Integrations is on."
    } else {
        "Private Integrations is off. Existing tokens keep working."
    };
    page.me.session.flash(FlashKind::Success, message)?;
    Ok(pages::see_other(&url))
}
