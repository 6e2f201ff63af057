//! `GET /sign-in` and `POST /sign-in`. Showing the page writes nothing: its CSRF token
//! travels in a signed cookie until a session exists. The rules (one generic message,
//! throttling) live in [`crate::app::auth`].

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use actix_web::cookie::{Cookie, SameSite};

use crate::app::auth::{DEVICE_DAYS, SignIn};
use crate::app::{self, App};
use crate::domain::people::Email;
use crate::web::error::WebResult;
use crate::web::forms::HtmlForm;
use crate::web::session::SessionExtras as _;
use crate::web::{client, csrf, pages};

/// The device cookie's name, with the `__Host-` prefix behind TLS.
fn device_cookie(tls: bool) -> &'static str {
    if tls { "__Host-pi_device" } else { "pi_device" }
}

/// The device cookie that marks this browser as one the person signed in from.
pub fn device(app: &App, value: String) -> Cookie<'static> {
    Cookie::build(device_cookie(app.config.tls), value)
        .path("/")
        .http_only(true)
        .secure(app.config.tls)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(DEVICE_DAYS))
        .finish()
}

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
pub async fn form(
    req: HttpRequest,
    session: Session,
    app: web::Data<App>,
    query: web::Query<SignInQuery>,
) -> WebResult<HttpResponse> {
    if session.user_id().is_some() {
        return Ok(pages::see_other("/settings"));
    }
    let notice = query.signed_out.as_ref().map(|_| "You have signed out.");
    let (token, cookie) = csrf::for_anonymous_page(&req, &app);
    let mut response = pages::render(&SignInPage { csrf: token, email: String::new(), error: None, notice })?;
    if let Some(cookie) = cookie {
        response.add_cookie(&cookie).map_err(crate::web::error::WebError::internal)?;
    }
    Ok(response)
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
    form: HtmlForm<SignInForm>,
) -> WebResult<HttpResponse> {
    let SignInForm { email: typed_email, password } = form.into_inner();
    let (token, cookie) = csrf::for_anonymous_page(&req, &app);
    let retry = |status: StatusCode, message: &str| {
        let mut response = pages::render_with_status(
            status,
            &SignInPage {
                csrf: token.clone(),
                email: typed_email.trim().to_owned(),
                error: Some(message.to_owned()),
                notice: None,
            },
        )?;
        if let Some(cookie) = &cookie {
            response.add_cookie(cookie).map_err(crate::web::error::WebError::internal)?;
        }
        Ok::<_, crate::web::error::WebError>(response)
    };
    let Ok(email) = Email::parse(&typed_email) else {
        return retry(StatusCode::UNPROCESSABLE_ENTITY, "Enter your email address and password.");
    };
    if password.is_empty() {
        return retry(StatusCode::UNPROCESSABLE_ENTITY, "Enter your email address and password.");
    }
    let device = req.cookie(device_cookie(app.config.tls)).map(|cookie| cookie.value().to_owned());
    match app::auth::sign_in(&app, email, password, client::ip(&req), device.as_deref()).await? {
        SignIn::SecondStep(user) => {
            session.begin_second_step(user.id, app.clock.now())?;
            Ok(pages::see_other("/sign-in/two-factor"))
        }
        SignIn::SignedIn { user, device } => {
            session.sign_in(user.id, app.clock.now() + app.config.sudo)?;
            let mut response = pages::see_other("/settings");
            response
                .add_cookie(&self::device(&app, device))
                .map_err(crate::web::error::WebError::internal)?;
            Ok(response)
        }
        SignIn::Refused => retry(StatusCode::UNAUTHORIZED, WRONG_CREDENTIALS),
        SignIn::Throttled(wait) => {
            let minutes = wait.div_ceil(60);
            let mut response = retry(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "Too many failed sign-in attempts. Wait {minutes} {}, then try again.",
                    if minutes == 1 { "minute" } else { "minutes" }
                ),
            )?;
            if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&wait.to_string()) {
                response.headers_mut().insert(actix_web::http::header::RETRY_AFTER, value);
            }
            Ok(response)
        }
    }
}
