//! The rotation controls of an integration's detail page (SPEC §3): each asks for
//! confirmation on a warning page, then changes the tokens in one transaction that locks
//! the integration's row, so that double submits and two admins clicking at once yield
//! one coherent result.

use crate::db::notify::Change;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{IntegrationsPage, PathIds, integration_url};
use crate::db::{self, integrations::IssuedToken};
use crate::domain::integration::Owner;
use crate::domain::rotation::{self, Command};
use crate::domain::token::{self, TokenSecret};
use crate::error::{AppError, AppResult};
use crate::web::current::{Section, Shell};
use crate::web::session::{FlashKind, SessionExtras as _};
use crate::web::{AppState, client, pages};

#[derive(Template)]
#[template(path = "integrations/confirm_rotation.html")]
struct ConfirmPage {
    shell: Shell,
    title: &'static str,
    name: String,
    paragraphs: Vec<String>,
    action: String,
    cancel_url: String,
    danger: bool,
}

fn slug(command: Command) -> &'static str {
    match command {
        Command::RotateLater => "rotate-later",
        Command::RotateNow => "rotate-now",
        Command::CancelRotation => "cancel-rotation",
        Command::ExpireNow => "expire-now",
    }
}

async fn confirm(
    command: Command,
    page: IntegrationsPage,
    state: web::Data<AppState>,
    id: crate::domain::ids::IntegrationId,
) -> AppResult<HttpResponse> {
    let integration = super::find(&page, &state, id).await?;
    let tokens = state.db.run(move |conn| Ok(db::integrations::tokens(conn, id)?)).await?;
    let now = state.clock.now();
    let url = integration_url(page.context, id);
    let hint_of = |wanted: &str| {
        tokens
            .iter()
            .find(|token| token.state == wanted)
            .map(|token| token::hint(&token.last4))
            .unwrap_or_else(|| "none".to_owned())
    };
    // A confirmation for an action that would be refused sends the user back with the reason.
    if let Err(refusal) =
        rotation::plan(&db::integrations::lifecycle(&tokens), command, now, state.config.rotation_overlap)
    {
        page.me.session.flash(FlashKind::Error, refusal.to_string())?;
        return Ok(pages::see_other(&url));
    }
    let overlap = rotation::remaining(state.config.rotation_overlap);
    let (title, paragraphs, danger) = match command {
        Command::RotateLater => (
            "Rotate and expire this token later?",
            vec![
                "A new token is issued and shown to you once.".to_owned(),
                format!(
                    "The current token ({}) keeps working for {overlap}, until {}, then stops at that instant. Update your app with the new token before then.",
                    hint_of("current"),
                    pages::format_time(now + state.config.rotation_overlap)
                ),
            ],
            false,
        ),
        Command::RotateNow => (
            "Rotate and expire this token now?",
            vec![
                "Every existing token of this integration stops working at once, including an old token still in a rotation. Apps using them lose access until they get the new token.".to_owned(),
                "A new token is issued and shown to you once. Use this when a token may have been exposed.".to_owned(),
            ],
            true,
        ),
        Command::CancelRotation => (
            "Cancel rotation?",
            vec![format!(
                "The new token ({}) stops working at once, and the old token ({}) becomes current again, with no expiry.",
                hint_of("current"),
                hint_of("expiring")
            )],
            false,
        ),
        Command::ExpireNow => (
            "Expire the old token now?",
            vec![format!(
                "The old token ({}) stops working at once, instead of in {}. The new token ({}) keeps working.",
                hint_of("expiring"),
                tokens
                    .iter()
                    .find_map(|token| token.expires_at.filter(|_| token.state == "expiring"))
                    .map_or_else(String::new, |at| rotation::remaining(at - now)),
                hint_of("current")
            )],
            true,
        ),
    };
    pages::render(&ConfirmPage {
        shell: page.shell(Some(Section::PrivateIntegrations)),
        title,
        name: integration.name,
        paragraphs,
        action: format!("{url}/{}", slug(command)),
        cancel_url: url,
        danger,
    })
}

async fn act(
    command: Command,
    req: HttpRequest,
    page: IntegrationsPage,
    state: web::Data<AppState>,
    id: crate::domain::ids::IntegrationId,
) -> AppResult<HttpResponse> {
    let owner = Owner::of(page.context);
    let new_token = matches!(command, Command::RotateLater | Command::RotateNow).then(TokenSecret::generate);
    let issued = new_token
        .as_ref()
        .map(|token| IssuedToken { digest: state.digester.digest(token), last4: token.last4().to_owned() });
    let overlap = state.config.rotation_overlap;
    let clock = state.clock.clone();
    let action = match command {
        Command::RotateLater => "integration.rotate_later",
        Command::RotateNow => "integration.rotate_now",
        Command::CancelRotation => "integration.cancel_rotation",
        Command::ExpireNow => "integration.expire_now",
    };
    let event = page.audit(action, client::ip(&req), state.clock.now());
    let outcome = state
        .db
        .transaction(move |conn| {
            let integration = db::integrations::lock(conn, owner, id)?;
            // Read the time after taking the lock, so the decision sees what the lock
            // holder before us left.
            let now = clock.now();
            let tokens = db::integrations::tokens(conn, id)?;
            let plan = match rotation::plan(&db::integrations::lifecycle(&tokens), command, now, overlap) {
                Ok(plan) => plan,
                Err(refusal) => return Ok(Err(refusal)),
            };
            db::integrations::apply(conn, id, &plan, issued.as_ref().filter(|_| plan.issue), now)?;
            db::audit::record(
                conn,
                &db::audit::NewEvent {
                    target_id: Some(id.0),
                    target_label: Some(integration.name.clone()),
                    details: serde_json::json!({
                        "revoked": plan.revoke.len(),
                        "old_token_expires_at": plan.demote_current.map(|(_, at)| at),
                        "issued": plan.issue,
                    }),
                    occurred_at: now,
                    ..event
                },
            )?;
            Ok::<_, AppError>(Ok(integration.name))
        })
        .await?;
    // This instance forgets at once; the others hear it through NOTIFY.
    state.tokens.changed(Change::Integration(id));
    let session = &page.me.session;
    let url = integration_url(page.context, id);
    let name = match outcome {
        Ok(name) => name,
        Err(refusal) => {
            session.flash(FlashKind::Error, refusal.to_string())?;
            return Ok(pages::see_other(&url));
        }
    };
    let message = match command {
        Command::RotateLater => format!(
            "New token issued for “{name}”. The old token expires in {}.",
            rotation::remaining(state.config.rotation_overlap)
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
    match new_token {
        Some(token) => {
            state.sealer.stash(session, id, &token)?;
            Ok(pages::see_other(&format!("{url}/reveal")))
        }
        None => Ok(pages::see_other(&url)),
    }
}

/// Confirmation of **Rotate and expire this token later**.
pub async fn confirm_rotate_later(
    page: IntegrationsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
) -> AppResult<HttpResponse> {
    confirm(Command::RotateLater, page, state, path.integration_id).await
}

/// **Continue**: rotate, the old token expiring after the overlap.
pub async fn rotate_later(
    req: HttpRequest,
    page: IntegrationsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
) -> AppResult<HttpResponse> {
    act(Command::RotateLater, req, page, state, path.integration_id).await
}

/// Confirmation of **Rotate and expire this token now**.
pub async fn confirm_rotate_now(
    page: IntegrationsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
) -> AppResult<HttpResponse> {
    confirm(Command::RotateNow, page, state, path.integration_id).await
}

/// **Continue**: every token stops now; a new one is issued.
pub async fn rotate_now(
    req: HttpRequest,
    page: IntegrationsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
) -> AppResult<HttpResponse> {
    act(Command::RotateNow, req, page, state, path.integration_id).await
}

/// Confirmation of **Cancel rotation**.
pub async fn confirm_cancel_rotation(
    page: IntegrationsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
) -> AppResult<HttpResponse> {
    confirm(Command::CancelRotation, page, state, path.integration_id).await
}

/// **Continue**: the new token stops; the old one is current again.
pub async fn cancel_rotation(
    req: HttpRequest,
    page: IntegrationsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
) -> AppResult<HttpResponse> {
    act(Command::CancelRotation, req, page, state, path.integration_id).await
}

/// Confirmation of **Expire Now**.
pub async fn confirm_expire_now(
    page: IntegrationsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
) -> AppResult<HttpResponse> {
    confirm(Command::ExpireNow, page, state, path.integration_id).await
}

/// **Continue**: the old token stops now.
pub async fn expire_now(
    req: HttpRequest,
    page: IntegrationsPage,
    state: web::Data<AppState>,
    path: web::Path<PathIds>,
) -> AppResult<HttpResponse> {
    act(Command::ExpireNow, req, page, state, path.integration_id).await
}
