//! `GET/POST /settings/security`: the agency's security policy, for team managers —
//! **Require two-factor authentication** for everyone of the agency. Turning it on or
//! off is done in sudo mode.

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
use crate::web::sudo::Sudo;

#[derive(Template)]
#[template(path = "settings/security.html")]
struct SecurityPage {
    shell: Shell,
    action: String,
    required: bool,
    without: usize,
}

/// The policy.
#[tracing::instrument(skip_all)]
pub async fn page(page: SettingsPage, app: web::Data<App>) -> WebResult<HttpResponse> {
    page.require(Action::ManageTeam)?;
    let people = app::people::list(&app, page.requester(), page.context).await?;
    let enabled =
        app::two_factor::enabled_among(&app, people.iter().map(|member| member.user.id).collect()).await?;
    let without =
        people.iter().filter(|member| member.user.active && !enabled.contains(&member.user.id)).count();
    pages::render(&SecurityPage {
        shell: page.shell(Some(Section::Security)),
        action: section_url(page.context, Section::Security),
        required: page.agency.require_two_factor,
        without,
    })
}

/// Fields of the form; an unticked box is absent.
#[derive(Deserialize)]
pub struct PolicyForm {
    require_two_factor: Option<String>,
}

/// Saves the policy (in sudo mode).
#[tracing::instrument(skip_all)]
pub async fn submit(
    _sudo: Sudo,
    page: SettingsPage,
    app: web::Data<App>,
    form: HtmlForm<PolicyForm>,
) -> WebResult<HttpResponse> {
    let required = form.require_two_factor.is_some();
    app::two_factor::set_policy(&app, page.requester(), page.context, required).await?;
    page.me.session.flash(
        FlashKind::Success,
        if required {
            "Two-factor authentication is required: people without it set it up at their next click."
        } else {
            "Two-factor authentication is no longer required."
        },
    )?;
    Ok(pages::see_other(&section_url(page.context, Section::Security)))
}
