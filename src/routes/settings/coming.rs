//! Sections whose capability is still being built: each says so plainly, behind the same
//! authorization as the real page will have, and pretends nothing.

use actix_web::HttpResponse;
use askama::Template;

use crate::error::AppResult;
use crate::web::current::{Section, SettingsPage, Shell};
use crate::web::pages;

#[derive(Template)]
#[template(path = "settings/coming.html")]
struct ComingPage {
    shell: Shell,
    title: &'static str,
    summary: &'static str,
}

fn coming(
    page: &SettingsPage,
    section: Section,
    title: &'static str,
    summary: &'static str,
) -> AppResult<HttpResponse> {
    page.require(section.action())?;
    pages::render(&ComingPage { shell: page.shell(Some(section)), title, summary })
}

/// Private Integrations, until its pages land.
pub async fn private_integrations(page: SettingsPage) -> AppResult<HttpResponse> {
    coming(
        &page,
        Section::PrivateIntegrations,
        "Private Integrations",
        "Scoped API tokens for third-party developers: create, reveal once, rotate and revoke.",
    )
}

/// Team / My Staff, until its pages land.
pub async fn team(page: SettingsPage) -> AppResult<HttpResponse> {
    let title = if page.context.sub_account_id().is_some() { "My Staff" } else { "Team" };
    coming(&page, Section::Team, title, "Users, their roles and their permissions.")
}

/// Labs, until its page lands.
pub async fn labs(page: SettingsPage) -> AppResult<HttpResponse> {
    coming(&page, Section::Labs, "Labs", "Turn features on or off for this agency or sub-account.")
}
