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

/// Team / My Staff, until its pages land.
pub async fn team(page: SettingsPage) -> AppResult<HttpResponse> {
    let title = if page.context.sub_account_id().is_some() { "My Staff" } else { "Team" };
    coming(&page, Section::Team, title, "Users, their roles and their permissions.")
}
