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
use chrono::Duration;
use serde::Deserialize;

use crate::db::{self, audit::NewEvent};
use crate::domain::people::Email;
use crate::error::AppResult;
use crate::web::session::SessionExtras as _;
use crate::web::{AppState, client, pages};

/// How far back failures count.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// Failures for one email within the window before sign-in is refused.
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
/// Failures from one IP address within the window before sign-in is refused.
pub const MAX_FAILURES_PER_IP: i64 = 20;

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
pub async fn form(session: Session, query: web::Query<SignInQuery>) -> AppResult<HttpResponse> {
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
    state: web::Data<AppState>,
    form: web::Form<SignInForm>,
) -> AppResult<HttpResponse> {
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

    let ip = client::ip(&req);
    let now = state.clock.now();
    let since = now - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let (lookup_email, lookup_ip) = (email.clone(), ip.clone());
    let (failures, user) = state
        .db
        .run(move |conn| {
            let failures = db::sign_in::recent_failures(conn, lookup_email.as_str(), &lookup_ip, since)?;
            let user = db::users::find_by_email(conn, &lookup_email)?;
            Ok((failures, user))
        })
        .await?;
    if failures.0 >= MAX_FAILURES_PER_EMAIL || failures.1 >= MAX_FAILURES_PER_IP {
        tracing::warn!(%ip, "sign-in throttled");
        return retry(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "Too many failed sign-in attempts. Wait {THROTTLE_WINDOW_MINUTES} minutes, then try again."
            ),
        );
    }

    let agency_id = user.as_ref().map(|user| user.agency_id);
    let usable = user.filter(|user| user.active);
    let hash = usable.as_ref().and_then(|user| user.password_hash.clone());
    let verified = state.passwords.verify(password, hash).await?;
    let now = state.clock.now();

    match usable.filter(|_| verified) {
        Some(user) => {
            let event = NewEvent {
                agency_id: Some(user.agency_id),
                actor_user_id: Some(user.id),
                ip: Some(ip),
                ..NewEvent::new("user.sign_in", &user.email, now)
            };
            let cleared = email.clone();
            state
                .db
                .run(move |conn| {
                    db::sign_in::clear_for_email(conn, cleared.as_str())?;
                    db::audit::record(conn, &event)?;
                    Ok(())
                })
                .await?;
            session.sign_in(user.id)?;
            tracing::info!(user_id = %user.id, "signed in");
            Ok(pages::see_other("/settings"))
        }
        None => {
            let event = NewEvent {
                agency_id,
                ip: Some(ip.clone()),
                ..NewEvent::new("user.sign_in_failed", email.as_str(), now)
            };
            let failed = email.clone();
            state
                .db
                .run(move |conn| {
                    db::sign_in::record_failure(conn, failed.as_str(), &ip, now)?;
                    db::audit::record(conn, &event)?;
                    Ok(())
                })
                .await?;
            retry(StatusCode::UNAUTHORIZED, WRONG_CREDENTIALS)
        }
    }
}
