//! `GET /`, `GET /settings` and `GET /locations/{id}/settings`: where a user lands.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::app::{self, App};
use crate::domain::access::{Action, Context};
use crate::web::current::{SettingsPage, Shell, SignedIn, context_home as context_home_url};
use crate::web::error::WebResult;
use crate::web::pages;
use crate::web::session::SessionExtras as _;

#[derive(Template)]
#[template(path = "settings/nothing.html")]
struct NothingPage {
    shell: Shell,
}

#[derive(Template)]
#[template(path = "settings/no_access.html")]
struct NoAccessPage {
    csrf: String,
    name: String,
    email: String,
    role: &'static str,
}

/// `/`: the Settings when signed in, the sign-in page otherwise.
#[tracing::instrument(skip_all)]
pub async fn root(session: actix_session::Session) -> HttpResponse {
    if session.user_id().is_some() { pages::see_other("/settings") } else { pages::see_other("/sign-in") }
}

/// `/settings`: the agency's first open section for its admins; otherwise the first
/// sub-account the user may enter, or a page saying there is nothing to manage.
#[tracing::instrument(skip_all)]
pub async fn agency(me: SignedIn, app: web::Data<App>) -> WebResult<HttpResponse> {
    if me.actor.role.is_agency_level() && me.actor.may(Action::Enter, Context::Agency(me.actor.agency_id)) {
        let page = SettingsPage::load(me, &app, None).await?;
        return context_home(&page);
    }
    let sub_accounts = app::settings::agency_sub_accounts(&app, &me.actor).await?;
    let first =
        sub_accounts.iter().map(|sub| sub.context()).find(|&context| me.actor.may(Action::Enter, context));
    if let Some(context) = first {
        return Ok(pages::see_other(&context_home_url(context)));
    }
    pages::render(&NoAccessPage {
        csrf: me.session.csrf_token()?,
        name: me.user.name.clone(),
        email: me.user.email.clone(),
        role: me.actor.role.label(),
    })
}

/// `/locations/{id}/settings`: the sub-account's first open section.
#[tracing::instrument(skip_all)]
pub async fn sub_account(page: SettingsPage) -> WebResult<HttpResponse> {
    context_home(&page)
}

fn context_home(page: &SettingsPage) -> WebResult<HttpResponse> {
    page.require(Action::Enter)?;
    match page.first_section_url() {
        Some(url) => Ok(pages::see_other(&url)),
        None => pages::render(&NothingPage { shell: page.shell(None) }),
    }
}
