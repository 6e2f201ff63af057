//! The rotation controls of an integration's detail page (SPEC §3): each asks for
//! confirmation on a warning page, then runs the rotation use case.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::{IntegrationsPage, PathIds, integration_url};
use crate::app::{self, App, AppError};
use crate::domain::ids::IntegrationId;
use crate::domain::rotation::{self, Command};
use crate::web::current::{Section, Shell};
use crate::web::error::{WebError, WebResult};
use crate::web::pages;
use crate::web::reveal;
use crate::web::session::{FlashKind, SessionExtras as _};
use crate::web::sudo::Sudo;

#[derive(Template)]
#[template(path = "integrations/confirm_rotation.html")]
struct ConfirmPage {
    shell: Shell,
    command: Command,
    name: String,
    current_hint: String,
    expiring_hint: String,
    expiring_left: String,
    overlap: String,
    old_token_would_expire_at: String,
    /// During a rotation: whether anything still calls with the old token.
    old_token_use: Option<String>,
    action: String,
    cancel_url: String,
    danger: bool,
}

impl ConfirmPage {
    fn title(&self) -> &'static str {
        match self.command {
            Command::RotateLater => "Rotate and expire this token later?",
            Command::RotateNow => "Rotate and expire this token now?",
            Command::CancelRotation => "Cancel rotation?",
            Command::ExpireNow => "Expire the old token now?",
        }
    }
}

fn slug(command: Command) -> &'static str {
    match command {
        Command::RotateLater => "rotate-later",
        Command::RotateNow => "rotate-now",
        Command::CancelRotation => "cancel-rotation",
        Command::ExpireNow => "expire-now",
    }
}

/// The warning page of `command`; a command that would be refused sends the user back
/// to the integration with the reason.
async fn confirm(
    command: Command,
    page: IntegrationsPage,
    app: web::Data<App>,
    id: IntegrationId,
) -> WebResult<HttpResponse> {
    let url = integration_url(page.context, id);
    let preview = match app::rotation::preview(&app, page.requester(), page.context, id, command).await {
        Ok(preview) => preview,
        Err(AppError::Refused(reason)) => {
            page.me.session.flash(FlashKind::Error, reason)?;
            return Ok(pages::see_other(&url));
        }
        Err(other) => return Err(other.into()),
    };
    let hint = |token: Option<&crate::domain::integration::Token>| {
        token.map_or_else(|| "none".to_owned(), |t| t.hint())
    };
    pages::render(&ConfirmPage {
        shell: page.shell(Some(Section::PrivateIntegrations)),
        command,
        name: preview.integration.name.clone(),
        current_hint: hint(preview.current.as_ref()),
        expiring_hint: hint(preview.expiring.as_ref()),
        expiring_left: preview
            .expiring
            .as_ref()
            .and_then(|token| token.expires_at())
            .map_or_else(String::new, |at| rotation::remaining(at - preview.now)),
        overlap: rotation::remaining(app.config.rotation_overlap),
        old_token_would_expire_at: pages::format_time(preview.old_token_would_expire_at),
        old_token_use: preview.expiring.as_ref().zip(preview.current.as_ref()).map(|(old, new)| {
            super::old_token_use(&crate::domain::integration::OldTokenUse::of(old, new), preview.now)
        }),
        action: format!("{url}/{}", slug(command)),
        cancel_url: url,
        danger: matches!(command, Command::RotateNow | Command::ExpireNow),
    })
}

/// **Continue**: runs `command`, then reveals the new token (if one was issued) or
/// returns to the integration.
async fn act(
    command: Command,
    page: IntegrationsPage,
    app: web::Data<App>,
    id: IntegrationId,
) -> WebResult<HttpResponse> {
    let session = &page.me.session;
    let url = integration_url(page.context, id);
    let rotated = match app::rotation::run(&app, page.requester(), page.context, id, command).await {
        Ok(rotated) => rotated,
        Err(AppError::Refused(reason)) => {
            session.flash(FlashKind::Error, reason)?;
            return Ok(pages::see_other(&url));
        }
        Err(other) => return Err(WebError::App(other)),
    };
    let name = rotated.integration.name;
    let message = match command {
        Command::RotateLater => format!(
            "New token issued for “{name}”. The old token expires in {}.",
            rotation::remaining(app.config.rotation_overlap)
        ),
        Command::RotateNow => {
            format!("Every previous token of “{name}” stopped working. A new token was issued.")
        }
        Command::CancelRotation => {
            "Rotation cancelled. The new token no longer works; the old token is current again.".to_owned()
        }
        Command::ExpireNow => "The old token has expired. Only the new token works now.".to_owned(),
    };
    session.flash(FlashKind::Success, message)?;
    match rotated.reveal {
        Some(pending) => {
            reveal::remember(session, id, pending)?;
            Ok(pages::see_other(&format!("{url}/reveal")))
        }
        None => Ok(pages::see_other(&url)),
    }
}

macro_rules! rotation_routes {
    ($($command:ident: $confirm:ident, $act:ident, $what:literal;)+) => {$(
        #[doc = concat!("The confirmation of ", $what, ".")]
        #[tracing::instrument(skip_all, fields(integration_id = %path.integration_id))]
        pub async fn $confirm(
            _sudo: Sudo,
            page: IntegrationsPage,
            app: web::Data<App>,
            path: web::Path<PathIds>,
        ) -> WebResult<HttpResponse> {
            confirm(Command::$command, page, app, path.integration_id).await
        }

        #[doc = concat!("**Continue** on the confirmation of ", $what, ".")]
        #[tracing::instrument(skip_all, fields(integration_id = %path.integration_id))]
        pub async fn $act(
            _sudo: Sudo,
            page: IntegrationsPage,
            app: web::Data<App>,
            path: web::Path<PathIds>,
        ) -> WebResult<HttpResponse> {
            act(Command::$command, page, app, path.integration_id).await
        }
    )+};
}

rotation_routes! {
    RotateLater: confirm_rotate_later, rotate_later, "**Rotate and expire this token later**";
    RotateNow: confirm_rotate_now, rotate_now, "**Rotate and expire this token now**";
    CancelRotation: confirm_cancel_rotation, cancel_rotation, "**Cancel rotation**";
    ExpireNow: confirm_expire_now, expire_now, "**Expire Now**";
}
