//! The signed-in person's own pages: Security (two-factor, recovery codes, password) and
//! **Confirm access** (sudo mode).

pub mod security;
pub mod sudo;

use actix_web::web;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/account/security", web::get().to(security::page))
        .route("/account/security/password", web::post().to(security::change_password))
        .route("/account/security/notifications", web::post().to(security::set_emails))
        .service(
            web::resource("/account/security/two-factor")
                .route(web::get().to(security::enrolment))
                .route(web::post().to(security::begin)),
        )
        .route("/account/security/two-factor/verify", web::post().to(security::verify))
        .route("/account/security/two-factor/disable", web::post().to(security::turn_off))
        .route("/account/security/recovery-codes", web::post().to(security::regenerate))
        .service(web::resource("/sudo").route(web::get().to(sudo::form)).route(web::post().to(sudo::submit)));
}
