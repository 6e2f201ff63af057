//! Settings > Team (agency) and Settings > My Staff (sub-account): list people, add one,
//! edit their Roles & Permissions and sub-accounts, deactivate or reactivate them, and
//! sign them out everywhere. Changes apply to the person's very next request, because
//! every request reads their role and permissions afresh.

pub mod edit;
pub mod list;
pub mod new;

use actix_web::web;

use crate::domain::access::Context;
use crate::domain::ids::UserId;
use crate::web::current::{Section, SettingsPage, section_url};

/// Registers the routes under a context prefix.
pub fn configure(cfg: &mut web::ServiceConfig, prefix: &str) {
    use crate::routes::settings_resource as resource;
    let slug = if prefix == "/settings" { "team" } else { "my-staff" };
    let base = format!("{prefix}/{slug}");
    let one = format!("{base}/{{user_id}}");
    resource(cfg, base.clone(), Some(web::get().to(list::page)), None);
    resource(cfg, format!("{base}/new"), Some(web::get().to(new::form)), Some(web::post().to(new::submit)));
    resource(cfg, one.clone(), Some(web::get().to(edit::form)), Some(web::post().to(edit::submit)));
    resource(cfg, format!("{one}/deactivate"), None, Some(web::post().to(edit::deactivate)));
    resource(cfg, format!("{one}/reactivate"), None, Some(web::post().to(edit::reactivate)));
    resource(cfg, format!("{one}/reset-two-factor"), None, Some(web::post().to(edit::reset_two_factor)));
    resource(
        cfg,
        format!("{one}/sign-out-everywhere"),
        None,
        Some(web::post().to(edit::sign_out_everywhere)),
    );
}

/// The Team or My Staff URL of a context.
pub fn team_url(context: Context) -> String {
    section_url(context, Section::Team)
}

/// A person's edit URL.
pub fn person_url(context: Context, id: UserId) -> String {
    format!("{}/{id}", team_url(context))
}

/// Path segments of a person's pages (a malformed id is simply not found).
#[derive(serde::Deserialize)]
pub struct PathIds {
    /// The person.
    pub user_id: UserId,
}

/// The page title of a context's people page.
fn title(page: &SettingsPage) -> &'static str {
    if page.context.sub_account_id().is_some() { "My Staff" } else { "Team" }
}
