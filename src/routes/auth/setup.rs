//! `GET /setup/{token}` and `POST /setup/{token}`: the one-time page, linked from the
//! console on an empty installation, that creates the agency and its first admin.
//! The link dies once used; there is never a default account.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::{self, App, AppError, auth::Setup};
use crate::domain::people::{DisplayName, Email, NewPassword};
use crate::web::error::{WebError, WebResult};
use crate::web::forms::{FieldErrors, HtmlForm};
use crate::web::session::{FlashKind, SessionExtras as _};
use crate::web::{client, csrf, pages};

#[derive(Template)]
#[template(path = "auth/setup.html")]
struct SetupPage {
    csrf: String,
    action: String,
    input: SetupForm,
    errors: FieldErrors,
}

/// Fields of the set-up form.
#[derive(Debug, Default, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    agency_name: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default, skip_serializing)]
    password: String,
    #[serde(default, skip_serializing)]
    password_confirmation: String,
}

/// The set-up form, or 404 if the link is not (or no longer) valid.
#[tracing::instrument(skip_all)]
pub async fn form(
    req: HttpRequest,
    app: web::Data<App>,
    token: web::Path<String>,
) -> WebResult<HttpResponse> {
    let token = token.into_inner();
    if !app::auth::setup_link_is_valid(&app, &token).await? {
        return Err(AppError::NotFound.into());
    }
    let page = SetupPage {
        csrf: String::new(),
        action: format!("/setup/{token}"),
        input: SetupForm::default(),
        errors: FieldErrors::default(),
    };
    render(&req, &app, StatusCode::OK, page)
}

/// Renders the page with the CSRF token of a page before sign-in (and its cookie).
fn render(req: &HttpRequest, app: &App, status: StatusCode, page: SetupPage) -> WebResult<HttpResponse> {
    let (token, cookie) = csrf::for_anonymous_page(req, app);
    let mut response = pages::render_with_status(status, &SetupPage { csrf: token, ..page })?;
    if let Some(cookie) = cookie {
        response.add_cookie(&cookie).map_err(WebError::internal)?;
    }
    Ok(response)
}

/// Creates the agency and its first admin, signs them in and opens the Settings.
#[tracing::instrument(skip_all)]
pub async fn submit(
    req: HttpRequest,
    session: Session,
    app: web::Data<App>,
    token: web::Path<String>,
    form: HtmlForm<SetupForm>,
) -> WebResult<HttpResponse> {
    let token = token.into_inner();
    // A made-up or used link is not found, whatever is posted to it.
    if !app::auth::setup_link_is_valid(&app, &token).await? {
        return Err(AppError::NotFound.into());
    }
    let mut input = form.into_inner();
    let mut errors = FieldErrors::default();
    let agency_name = errors.check("agency_name", DisplayName::parse(&input.agency_name));
    let name = errors.check("name", DisplayName::parse(&input.name));
    let email = errors.check("email", Email::parse(&input.email));
    let password = errors.check("password", NewPassword::parse(std::mem::take(&mut input.password)));
    if password.is_some() && input.password_confirmation.is_empty() {
        errors.add("password_confirmation", "Type the password again.");
    } else if password.as_ref().is_some_and(|password| password.expose() != input.password_confirmation) {
        errors.add("password_confirmation", "The passwords don't match.");
    }
    input.password_confirmation.clear();

    let (Some(agency_name), Some(name), Some(email), Some(password), true) =
        (agency_name, name, email, password, errors.is_empty())
    else {
        let page = SetupPage { csrf: String::new(), action: format!("/setup/{token}"), input, errors };
        return render(&req, &app, StatusCode::UNPROCESSABLE_ENTITY, page);
    };
    let setup = Setup { agency_name, name, email, password };
    let user = app::auth::set_up(&app, &token, setup, client::ip(&req)).await?;
    session.sign_in(user.id, app.clock.now() + app.config.sudo)?;
    session.flash(FlashKind::Success, "Your agency is ready. Welcome to Private Integrations!")?;
    Ok(pages::see_other("/settings"))
}
