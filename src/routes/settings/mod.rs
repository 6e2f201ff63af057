//! The Settings: the context homes and each section's pages, registered once for the
//! agency (`/settings/...`) and once per sub-account (`/locations/{id}/settings/...`).

pub mod audit_log;
pub mod home;
pub mod labs;
pub mod security;

use actix_web::web;

/// Registers the sections under a context prefix.
pub fn configure(cfg: &mut web::ServiceConfig, prefix: &str) {
    crate::routes::integrations::configure(cfg, prefix);
    crate::routes::webhooks::configure(cfg, prefix);
    crate::routes::settings_resource(
        cfg,
        format!("{prefix}/labs"),
        Some(web::get().to(labs::page)),
        Some(web::post().to(labs::submit)),
    );
    crate::routes::team::configure(cfg, prefix);
    if prefix == "/settings" {
        crate::routes::settings_resource(
            cfg,
            format!("{prefix}/security"),
            Some(web::get().to(security::page)),
            Some(web::post().to(security::submit)),
        );
    }
    crate::routes::settings_resource(
        cfg,
        format!("{prefix}/audit-log"),
        Some(web::get().to(audit_log::page)),
        None,
    );
    crate::routes::settings_resource(
        cfg,
        format!("{prefix}/audit-log.csv"),
        Some(web::get().to(audit_log::csv)),
        None,
    );
}
