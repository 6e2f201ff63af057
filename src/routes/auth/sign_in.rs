//! `GET /sign-in` and `POST /sign-in`.
//!
//! A wrong email and a wrong password get the same message and take the same time (an
//! unknown email is verified against a decoy hash). After repeated failures for one
//! email or from one address, attempts are refused for a while without checking the
//! password at all.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::auth::{SignIn, THROTTLE_WINDOW_MINUTES};
use crate::app::{self, App};
use crate::domain::people::Email;
use crate::web::error::WebResult;
use crate::web::session::SessionExtras as _;
use crate::web::{client, pages};

const WRONG_CREDENTIALS: &str = "Incorrect email or password.";

#[derive(Template)]
#[template(path = "auth/sign_in.html")]
struct SignInPage {
    csrf: String,
    email: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

/// Query of `GET /sign-in`.
#[derive(Deserialize)]
pub struct SignInQuery {
    signed_out: Option<String>,
}

/// The sign-in form; a signed-in user goes straight to the Settings.
#[tracing::instrument(skip_all)]
pub async fn form(session: Session, query: web::Query<SignInQuery>) -> WebResult<HttpResponse> {
    if session.user_id().is_some() {
        return Ok(pages::see_other("/settings"));
    }
    let notice = query.signed_out.as_ref().map(|_| "You have signed out.");
    pages::render(&SignInPage { csrf: session.csrf_token()?, email: String::new(), error: None, notice })
}

/// Fields of the sign-in form.
#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Checks the credentials; on success renews the session and opens the Settings.
#[tracing::instrument(skip_all)]
pub async fn submit(
    req: HttpRequest,
    session: Session,
    app: web::Data<App>,
    form: web::Form<SignInForm>,
) -> WebResult<HttpResponse> {
    let SignInForm { email: typed_email, password } = form.into_inner();
    let retry = |status: StatusCode, message: &str| {
        pages::render_with_status(
            status,
            &SignInPage {
                csrf: session.csrf_token()?,
                email: typed_email.trim().to_owned(),
                error: Some(message.to_owned()),
                notice: None,
            },
        )
    };
    let Ok(email) = Email::parse(&typed_email) else {
        return retry(StatusCode::UNPROCESSABLE_ENTITY, "Enter your email address and password.");
    };
    if password.is_empty() {
        return retry(StatusCode::UNPROCESSABLE_ENTITY, "Enter your email address and password.");
    }
    match app::auth::sign_in(&app, email, password, client::ip(&req)).await? {
        SignIn::SignedIn(user) => {
            session.sign_in(user.id)?;
            Ok(pages::see_other("/settings"))
        }
        SignIn::Refused => retry(StatusCode::UNAUTHORIZED, WRONG_CREDENTIALS),
        SignIn::Throttled => retry(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "Too many failed sign-in attempts. Wait {THROTTLE_WINDOW_MINUTES} minutes, then try again."
            ),
        ),
    }
}
