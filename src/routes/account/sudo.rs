//! `GET/POST /sudo`: **Confirm access** before a dangerous action — the password, or the
//! authentication code with two-factor on — then back to the action, input kept.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::two_factor::Check;
use crate::app::{self, App};
use crate::web::current::SignedInForSetUp;
use crate::web::error::WebResult;
use crate::web::forms::HtmlForm;
use crate::web::session::SessionExtras as _;
use crate::web::{pages, sudo};

#[derive(Template)]
#[template(path = "account/sudo.html")]
struct ConfirmPage {
    csrf: String,
    back: String,
    with_code: bool,
    error: Option<String>,
    minutes: i64,
}

/// Where to go afterwards.
#[derive(Deserialize)]
pub struct Query {
    #[serde(default, rename = "return")]
    back: String,
}

fn back(text: &str) -> String {
    if sudo::safe_return(text) { text.to_owned() } else { "/settings".to_owned() }
}

/// The page.
#[tracing::instrument(skip_all)]
pub async fn form(
    me: SignedInForSetUp,
    app: web::Data<App>,
    query: web::Query<Query>,
) -> WebResult<HttpResponse> {
    let me = me.0;
    let with_code = app::two_factor::is_enabled(&app, me.user.id).await?;
    pages::render(&ConfirmPage {
        csrf: me.session.csrf_token()?,
        back: back(&query.back),
        with_code,
        error: None,
        minutes: app.config.sudo.num_minutes(),
    })
}

/// Fields of the form.
#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    secret: String,
    #[serde(default, rename = "return")]
    back: String,
}

/// Checks the password or code; on success, sudo mode until `SUDO_MINUTES` from now.
#[tracing::instrument(skip_all)]
pub async fn submit(
    me: SignedInForSetUp,
    app: web::Data<App>,
    form: HtmlForm<ConfirmForm>,
) -> WebResult<HttpResponse> {
    let me = me.0;
    let ConfirmForm { secret, back: target } = form.into_inner();
    let target = back(&target);
    let check = app::two_factor::confirm_access(&app, &me.requester, secret).await?;
    let with_code = app::two_factor::is_enabled(&app, me.user.id).await?;
    let retry = |status: StatusCode, message: String| -> WebResult<HttpResponse> {
        pages::render_with_status(
            status,
            &ConfirmPage {
                csrf: me.session.csrf_token()?,
                back: target.clone(),
                with_code,
                error: Some(message),
                minutes: app.config.sudo.num_minutes(),
            },
        )
    };
    match check {
        Check::Passed { .. } => {
            me.session.grant_sudo(app.clock.now() + app.config.sudo)?;
            Ok(pages::see_other(&target))
        }
        Check::Refused(message) => retry(StatusCode::UNAUTHORIZED, message),
        Check::Throttled(wait) => {
            let minutes = wait.div_ceil(60);
            retry(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "Too many attempts. Wait {minutes} {}, then try again.",
                    if minutes == 1 { "minute" } else { "minutes" }
                ),
            )
        }
    }
}
