//! Settings > Private Integrations, at agency and at sub-account level: the list, the
//! two-step create and edit wizards, the one-time reveal, the detail page and delete.

pub mod delete;
pub mod detail;
pub mod list;
pub mod rotate;
pub mod usage;
pub mod wizard;

use actix_web::web;
use askama::Template;

use crate::domain::access::{Action, Context};
use crate::domain::ids::IntegrationId;
use crate::domain::integration::{LastUse, OldTokenUse, Owner};
use crate::web::current::{Section, SettingsPage, Shell, section_url};
use crate::web::error::WebError;
use crate::web::pages;

/// Registers the routes under a context prefix.
pub fn configure(cfg: &mut web::ServiceConfig, prefix: &str) {
    use crate::routes::settings_resource as resource;
    let base = format!("{prefix}/private-integrations");
    let one = format!("{base}/{{integration_id}}");
    resource(cfg, base.clone(), Some(web::get().to(list::page)), None);
    resource(
        cfg,
        format!("{base}/new"),
        Some(web::get().to(wizard::new_details)),
        Some(web::post().to(wizard::submit_new_details)),
    );
    resource(
        cfg,
        format!("{base}/new/scopes"),
        Some(web::get().to(wizard::new_scopes)),
        Some(web::post().to(wizard::submit_new_scopes)),
    );
    resource(cfg, one.clone(), Some(web::get().to(detail::page)), None);
    resource(cfg, format!("{one}/reveal"), Some(web::get().to(detail::reveal)), None);
    resource(
        cfg,
        format!("{one}/edit"),
        Some(web::get().to(wizard::edit_details)),
        Some(web::post().to(wizard::submit_edit_details)),
    );
    resource(
        cfg,
        format!("{one}/edit/scopes"),
        Some(web::get().to(wizard::edit_scopes)),
        Some(web::post().to(wizard::submit_edit_scopes)),
    );
    resource(
        cfg,
        format!("{one}/remove-unused-scopes"),
        None,
        Some(web::post().to(wizard::remove_unused_scopes)),
    );
    resource(
        cfg,
        format!("{one}/rotate-later"),
        Some(web::get().to(rotate::confirm_rotate_later)),
        Some(web::post().to(rotate::rotate_later)),
    );
    resource(
        cfg,
        format!("{one}/rotate-now"),
        Some(web::get().to(rotate::confirm_rotate_now)),
        Some(web::post().to(rotate::rotate_now)),
    );
    resource(
        cfg,
        format!("{one}/cancel-rotation"),
        Some(web::get().to(rotate::confirm_cancel_rotation)),
        Some(web::post().to(rotate::cancel_rotation)),
    );
    resource(
        cfg,
        format!("{one}/expire-now"),
        Some(web::get().to(rotate::confirm_expire_now)),
        Some(web::post().to(rotate::expire_now)),
    );
    resource(
        cfg,
        format!("{one}/delete"),
        Some(web::get().to(delete::confirm)),
        Some(web::post().to(delete::submit)),
    );
}

/// The list's URL in a context.
pub fn list_url(context: Context) -> String {
    section_url(context, Section::PrivateIntegrations)
}

/// An integration's URL in a context.
pub fn integration_url(context: Context, id: IntegrationId) -> String {
    integration_url_in(&list_url(context), id)
}

/// An integration's URL under its list's ([`list_url`]), for a page that links many: the
/// list page links each of its rows three times.
pub fn integration_url_in(list_url: &str, id: IntegrationId) -> String {
    let mut url = String::with_capacity(list_url.len() + 1 + uuid::fmt::Hyphenated::LENGTH);
    url.push_str(list_url);
    url.push('/');
    url.push_str(id.0.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()));
    url
}

#[derive(Template)]
#[template(path = "integrations/off.html")]
struct TurnedOffPage {
    shell: Shell,
    labs_url: Option<String>,
}

/// A page of Settings > Private Integrations: the user may manage integrations in this
/// context, and Labs has the feature on. When Labs has it off, extraction ends with the
/// "Private Integrations is turned off — enable it in Labs" page instead of the handler.
pub struct IntegrationsPage {
    /// The Settings page it is.
    pub page: SettingsPage,
    /// Whose integrations it shows.
    pub owner: Owner,
}

impl std::ops::Deref for IntegrationsPage {
    type Target = SettingsPage;

    fn deref(&self) -> &SettingsPage {
        &self.page
    }
}

impl actix_web::FromRequest for IntegrationsPage {
    type Error = WebError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, WebError>>>>;

    fn from_request(req: &actix_web::HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let page = SettingsPage::from_request(req, payload);
        Box::pin(async move {
            let page = page.await?;
            page.require(Action::ManageIntegrations)?;
            if !page.private_integrations_enabled {
                let labs_url = page
                    .me
                    .actor
                    .may(Action::ManageLabs, page.context)
                    .then(|| section_url(page.context, Section::Labs));
                let off = TurnedOffPage { shell: page.shell(Some(Section::PrivateIntegrations)), labs_url };
                return Err(WebError::Page(off.render().map_err(WebError::internal)?));
            }
            Ok(Self { owner: Owner::of(page.context), page })
        })
    }
}

/// A token's last use as the pages show it.
fn last_used(used: Option<&LastUse>) -> String {
    match used {
        Some(used) => format!(
            "{}{}",
            pages::format_time(used.at),
            used.ip.as_deref().map(|ip| format!(" from {ip}")).unwrap_or_default()
        ),
        None => "Never used".to_owned(),
    }
}

/// The rotation panel's answer to "is anything still calling with the old token?".
fn old_token_use(used: &OldTokenUse, now: chrono::DateTime<chrono::Utc>) -> String {
    match used {
        OldTokenUse::Since(used) => format!(
            "Old token last used {}{}",
            pages::ago(used.at, now),
            used.ip.as_deref().map(|ip| format!(" from {ip}")).unwrap_or_default()
        ),
        OldTokenUse::NotSince => "Old token not used since the rotation started".to_owned(),
    }
}

/// "Old token expires in …": the countdown of a running rotation.
pub struct Countdown {
    /// "6 days 23 hours".
    pub text: String,
    /// The instant, for `<time datetime>` and the ticking script.
    pub datetime: String,
    /// The instant as people read it.
    pub exact: String,
}

impl Countdown {
    /// The countdown to `expires_at` at `now`.
    pub fn new(expires_at: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> Self {
        Self {
            text: crate::domain::rotation::remaining(expires_at - now),
            datetime: expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            exact: pages::format_time(expires_at),
        }
    }
}

/// Path segments of an integration's pages (a malformed id is simply not found).
#[derive(serde::Deserialize)]
pub struct PathIds {
    /// The integration.
    pub integration_id: IntegrationId,
}
