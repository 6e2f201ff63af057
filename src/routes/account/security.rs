//! `/account/security`: the person's own Security page — two-factor authentication (set
//! up with a QR code or the secret typed by hand, verified with a first code, then ten
//! recovery codes shown once), turning it off and new recovery codes (both in sudo mode),
//! and changing their password.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::{self, App, AppError};
use crate::domain::people::NewPassword;
use crate::domain::two_factor::RecoveryCode;
use crate::web::current::{SignedIn, SignedInForSetUp};
use crate::web::error::{WebError, WebResult};
use crate::web::forms::{FieldErrors, HtmlForm};
use crate::web::pages;
use crate::web::session::{Flash, FlashKind, SessionExtras as _};
use crate::web::sudo::Sudo;

#[derive(Template)]
#[template(path = "account/security.html")]
struct SecurityPage {
    csrf: String,
    name: String,
    email: String,
    flashes: Vec<Flash>,
    enabled: bool,
    required: bool,
    codes_left: i64,
    errors: FieldErrors,
    emails_wanted: bool,
    emails_sent: bool,
}

/// The page.
#[tracing::instrument(skip_all)]
pub async fn page(me: SignedInForSetUp, app: web::Data<App>) -> WebResult<HttpResponse> {
    render(&me.0, &app, FieldErrors::default(), StatusCode::OK).await
}

async fn render(
    me: &SignedIn,
    app: &App,
    errors: FieldErrors,
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let state = app::two_factor::status(app, &me.requester).await?;
    let required = app::two_factor::required(app, &me.requester).await?;
    let emails_wanted = app::notifications::emails_wanted(app, &me.requester).await?;
    pages::render_with_status(
        status,
        &SecurityPage {
            csrf: me.session.csrf_token()?,
            name: me.user.name.clone(),
            email: me.user.email.clone(),
            flashes: me.session.take_flashes(),
            enabled: state.enabled,
            required,
            codes_left: state.recovery_codes_left,
            errors,
            emails_wanted,
            emails_sent: app.outbox.emails(),
        },
    )
}

#[derive(Template)]
#[template(path = "account/enrol.html")]
struct EnrolPage {
    csrf: String,
    qr: String,
    secret: String,
    error: Option<String>,
}

/// The QR code of an `otpauth://` URI, as inline SVG (server-rendered: no script, no
/// external service).
fn qr_svg(url: &str) -> WebResult<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(WebError::internal)?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    let svg = svg.trim_start_matches(r#"<?xml version="1.0" standalone="yes"?>"#);
    Ok(svg.replacen("<svg ", r#"<svg role="img" aria-labelledby="qr-title" class="qr" "#, 1).replacen(
        "\">",
        "\"><title id=\"qr-title\">QR code for your authenticator app</title>",
        1,
    ))
}

/// **Set up** (in sudo mode): a new secret, then its page.
#[tracing::instrument(skip_all)]
pub async fn begin(_sudo: Sudo, me: SignedInForSetUp, app: web::Data<App>) -> WebResult<HttpResponse> {
    match app::two_factor::begin(&app, &me.0.requester).await {
        Ok(_) => Ok(pages::see_other("/account/security/two-factor")),
        Err(AppError::Refused(message)) => {
            me.0.session.flash(FlashKind::Error, message)?;
            Ok(pages::see_other("/account/security"))
        }
        Err(other) => Err(other.into()),
    }
}

/// The set-up in progress: QR code, secret, and the field for the first code.
#[tracing::instrument(skip_all)]
pub async fn enrolment(me: SignedInForSetUp, app: web::Data<App>) -> WebResult<HttpResponse> {
    let Some(enrolment) = app::two_factor::pending(&app, &me.0.requester).await? else {
        return Ok(pages::see_other("/account/security"));
    };
    Ok(pages::secret(pages::render(&EnrolPage {
        csrf: me.0.session.csrf_token()?,
        qr: qr_svg(&enrolment.url)?,
        secret: spaced(&enrolment.secret),
        error: None,
    })?))
}

/// The secret in groups of four, easier to type.
fn spaced(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Fields with a code.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

#[derive(Template)]
#[template(path = "account/recovery_codes.html")]
struct CodesPage {
    codes: Vec<String>,
    download: String,
    fresh_set_up: bool,
}

/// The recovery codes, shown once (never cached), with a text file to download.
fn show_codes(codes: &[RecoveryCode], fresh_set_up: bool) -> WebResult<HttpResponse> {
    let codes: Vec<String> = codes.iter().map(|code| code.expose().to_owned()).collect();
    let text = format!(
        "Private Integrations recovery codes\r\nEach code signs you in once if you lose your authenticator.\r\n\r\n{}\r\n",
        codes.join("\r\n")
    );
    let download = format!("data:text/plain;charset=utf-8,{}", url_encode(&text));
    Ok(pages::secret(pages::render(&CodesPage { codes, download, fresh_set_up })?))
}

fn url_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().replace('+', "%20")
}

/// **Verify**: the first code turns two-factor on; the recovery codes follow.
#[tracing::instrument(skip_all)]
pub async fn verify(
    me: SignedInForSetUp,
    app: web::Data<App>,
    form: HtmlForm<CodeForm>,
) -> WebResult<HttpResponse> {
    let me = me.0;
    match app::two_factor::confirm(&app, &me.requester, form.into_inner().code).await {
        Ok(codes) => {
            carry_on(&me, &app)?;
            show_codes(&codes, true)
        }
        Err(AppError::Invalid { message, .. }) => {
            let Some(enrolment) = app::two_factor::pending(&app, &me.requester).await? else {
                return Ok(pages::see_other("/account/security"));
            };
            Ok(pages::secret(pages::render_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &EnrolPage {
                    csrf: me.session.csrf_token()?,
                    qr: qr_svg(&enrolment.url)?,
                    secret: spaced(&enrolment.secret),
                    error: Some(message),
                },
            )?))
        }
        Err(AppError::Refused(message)) => {
            me.session.flash(FlashKind::Error, message)?;
            Ok(pages::see_other("/account/security"))
        }
        Err(other) => Err(other.into()),
    }
}

/// **Turn off** (in sudo mode).
#[tracing::instrument(skip_all)]
pub async fn turn_off(_sudo: Sudo, me: SignedIn, app: web::Data<App>) -> WebResult<HttpResponse> {
    match app::two_factor::turn_off(&app, &me.requester).await {
        Ok(ended) => {
            carry_on(&me, &app)?;
            me.session.flash(
                FlashKind::Success,
                format!("Two-factor authentication is off.{}", others_ended(ended)),
            )?;
        }
        Err(AppError::Refused(message)) => me.session.flash(FlashKind::Error, message)?,
        Err(other) => return Err(other.into()),
    }
    Ok(pages::see_other("/account/security"))
}

/// **Regenerate recovery codes** (in sudo mode): the old ones stop working.
#[tracing::instrument(skip_all)]
pub async fn regenerate(_sudo: Sudo, me: SignedIn, app: web::Data<App>) -> WebResult<HttpResponse> {
    match app::two_factor::regenerate(&app, &me.requester).await {
        Ok(codes) => show_codes(&codes, false),
        Err(AppError::Refused(message)) => {
            me.session.flash(FlashKind::Error, message)?;
            Ok(pages::see_other("/account/security"))
        }
        Err(other) => Err(other.into()),
    }
}

/// After a change of how the person signs in, every session of theirs ended, this one
/// included: it carries on under a new id, still in sudo mode.
fn carry_on(me: &SignedIn, app: &App) -> WebResult<()> {
    me.session.sign_in(me.user.id, me.session.sudo_until().unwrap_or_else(|| app.clock.now()))
}

/// What to say of the other sessions when all `ended` (this one among them).
fn others_ended(ended: usize) -> String {
    match ended.saturating_sub(1) {
        0 => String::new(),
        1 => " Your other session was signed out.".to_owned(),
        n => format!(" Your {n} other sessions were signed out."),
    }
}

/// Fields of the password form.
#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirmation: String,
}

/// **Change password** (in sudo mode): the current one, then the new one twice. Every
/// other session of the person ends.
#[tracing::instrument(skip_all)]
pub async fn change_password(
    _sudo: Sudo,
    me: SignedInForSetUp,
    app: web::Data<App>,
    form: HtmlForm<PasswordForm>,
) -> WebResult<HttpResponse> {
    let me = me.0;
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    let new = errors.check("new_password", NewPassword::parse(form.new_password.clone()));
    if new.is_some() && form.new_password != form.new_password_confirmation {
        errors.add("new_password_confirmation", "The passwords don't match.");
    }
    if form.current_password.is_empty() {
        errors.add("current_password", "Type your current password.");
    }
    let (Some(new), true) = (new, errors.is_empty()) else {
        return render(&me, &app, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match app::people::change_password(&app, &me.requester, form.current_password, new).await {
        Ok(ended) => {
            carry_on(&me, &app)?;
            me.session
                .flash(FlashKind::Success, format!("Your password is changed.{}", others_ended(ended)))?;
            Ok(pages::see_other("/account/security"))
        }
        Err(AppError::Invalid { field, message }) => {
            errors.add(field, message);
            render(&me, &app, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(other.into()),
    }
}

/// The notification email switch; an unticked checkbox is simply absent.
#[derive(Deserialize)]
pub struct EmailForm {
    emails: Option<String>,
}

/// Turns notification emails on or off.
#[tracing::instrument(skip_all)]
pub async fn set_emails(
    me: SignedIn,
    app: web::Data<App>,
    form: HtmlForm<EmailForm>,
) -> WebResult<HttpResponse> {
    let on = form.emails.is_some();
    app::notifications::set_emails_wanted(&app, &me.requester, on).await?;
    let message = if on {
        "You will get notifications by email too."
    } else {
        "You will no longer get notifications by email; they stay under the bell."
    };
    me.session.flash(FlashKind::Success, message)?;
    Ok(pages::see_other("/account/security"))
}
