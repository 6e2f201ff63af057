//! `GET/POST /sign-in/two-factor`: the second step of signing in with two-factor on. The
//! half-signed-in session names only who awaits their code, grants nothing, and lapses
//! after five minutes.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Duration;
use serde::Deserialize;

use crate::app::two_factor::Check;
use crate::app::{self, App};
use crate::web::error::{WebError, WebResult};
use crate::web::forms::HtmlForm;
use crate::web::session::{FlashKind, SessionExtras as _};
use crate::web::{client, pages};

/// How long the half-signed-in state lasts.
pub const SECOND_STEP_MINUTES: i64 = 5;

#[derive(Template)]
#[template(path = "auth/two_factor.html")]
struct SecondStepPage {
    csrf: String,
    error: Option<String>,
    codes_left: i64,
}

/// Who awaits their second step in this session, if it has not lapsed.
fn awaiting(session: &Session, app: &App) -> Option<crate::domain::ids::UserId> {
    let (user, since) = session.second_step()?;
    (app.clock.now() - since < Duration::minutes(SECOND_STEP_MINUTES)).then_some(user)
}

/// Back to the password, with why.
fn start_again(session: &Session) -> WebResult<HttpResponse> {
    session.purge();
    Ok(pages::see_other("/sign-in"))
}

/// The form.
#[tracing::instrument(skip_all)]
pub async fn form(session: Session, app: web::Data<App>) -> WebResult<HttpResponse> {
    let Some(user) = awaiting(&session, &app) else { return start_again(&session) };
    let codes_left = app::two_factor::codes_left(&app, user).await?;
    pages::render(&SecondStepPage { csrf: session.csrf_token()?, error: None, codes_left })
}

/// Fields of the form.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Checks the code (or a recovery code); the person is signed in once it is right.
#[tracing::instrument(skip_all)]
pub async fn submit(
    req: HttpRequest,
    session: Session,
    app: web::Data<App>,
    form: HtmlForm<CodeForm>,
) -> WebResult<HttpResponse> {
    let Some(user) = awaiting(&session, &app) else { return start_again(&session) };
    let (found, check) =
        app::two_factor::sign_in_step(&app, user, form.into_inner().code, client::ip(&req)).await?;
    let retry = |status: StatusCode, message: String, codes_left: i64| -> WebResult<HttpResponse> {
        pages::render_with_status(
            status,
            &SecondStepPage { csrf: session.csrf_token()?, error: Some(message), codes_left },
        )
    };
    match check {
        Check::Passed { with_recovery_code } => {
            session.sign_in(found.id, app.clock.now() + app.config.sudo)?;
            if with_recovery_code {
                let left = app::two_factor::codes_left(&app, found.id).await?;
                session.flash(
                    FlashKind::Error,
                    format!(
                        "You signed in with a recovery code; {left} {} left. Make new ones under Security if you need more.",
                        if left == 1 { "is" } else { "are" }
                    ),
                )?;
            }
            let mut response = pages::see_other("/settings");
            let cookie = super::sign_in::device(&app, app::auth::device_cookie(&app, found.id));
            response.add_cookie(&cookie).map_err(WebError::internal)?;
            Ok(response)
        }
        Check::Refused(message) => {
            let left = app::two_factor::codes_left(&app, user).await?;
            retry(StatusCode::UNAUTHORIZED, message, left)
        }
        Check::Throttled(wait) => {
            let left = app::two_factor::codes_left(&app, user).await?;
            let minutes = wait.div_ceil(60);
            retry(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "Too many wrong codes. Wait {minutes} {}, then try again.",
                    if minutes == 1 { "minute" } else { "minutes" }
                ),
                left,
            )
        }
    }
}
