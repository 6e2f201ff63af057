//! `GET/POST …/labs`: the per-agency and per-sub-account feature toggles. Labs hides the
//! UI only; existing tokens keep working.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::{self, App};
use crate::domain::access::Action;
use crate::web::current::{Section, SettingsPage, Shell, section_url};
use crate::web::error::WebResult;
use crate::web::forms::HtmlForm;
use crate::web::pages;
use crate::web::session::{FlashKind, SessionExtras as _};

#[derive(Template)]
#[template(path = "settings/labs.html")]
struct LabsPage {
    shell: Shell,
    action: String,
    private_integrations: bool,
    context_kind: &'static str,
}

/// The toggles.
#[tracing::instrument(skip_all)]
pub async fn page(page: SettingsPage) -> WebResult<HttpResponse> {
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
#[tracing::instrument(skip_all)]
pub async fn submit(
    page: SettingsPage,
    app: web::Data<App>,
    form: HtmlForm<LabsForm>,
) -> WebResult<HttpResponse> {
    let enabled = form.private_integrations.is_some();
    app::labs::set_private_integrations(
        &app,
        page.requester(),
        page.context,
        page.context_name().to_owned(),
        page.private_integrations_enabled,
        enabled,
    )
    .await?;
    let message = if enabled {
        "Private Integrations is on."
    } else {
        "Private Integrations is off. Existing tokens keep working."
    };
    page.me.session.flash(FlashKind::Success, message)?;
    Ok(pages::see_other(&section_url(page.context, Section::Labs)))
}
