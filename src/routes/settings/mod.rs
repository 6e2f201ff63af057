//! The Settings: the context homes and each section's pages, registered once for the
//! agency (`/settings/...`) and once per sub-account (`/locations/{id}/settings/...`).

pub mod coming;
pub mod home;

use actix_web::web;

/// Registers the sections under a context prefix.
pub fn configure(cfg: &mut web::ServiceConfig, prefix: &str) {
    cfg.route(&format!("{prefix}/private-integrations"), web::get().to(coming::private_integrations))
        .route(&format!("{prefix}/labs"), web::get().to(coming::labs));
    let team = if prefix == "/settings" { "team" } else { "my-staff" };
    cfg.route(&format!("{prefix}/{team}"), web::get().to(coming::team));
}
