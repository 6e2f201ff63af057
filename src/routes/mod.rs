//! Route handlers, one module per area and one file per action or small group. Handlers
//! are thin: extract, parse into domain types, ask the domain, run one transaction in
//! [`crate::db`], then render or redirect.

pub mod auth;
pub mod health;
pub mod integrations;
pub mod settings;
pub mod team;

use actix_web::web;

/// Registers the dashboard's routes (sessions and CSRF protection are applied around
/// them by [`crate::startup`]).
pub fn dashboard(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(settings::home::root))
        .service(
            web::resource("/sign-in")
                .route(web::get().to(auth::sign_in::form))
                .route(web::post().to(auth::sign_in::submit)),
        )
        .route("/sign-out", web::post().to(auth::sign_out::submit))
        .service(
            web::resource("/setup/{token}")
                .route(web::get().to(auth::setup::form))
                .route(web::post().to(auth::setup::submit)),
        )
        .route("/settings", web::get().to(settings::home::agency))
        .route("/locations/{sub_account_id}/settings", web::get().to(settings::home::sub_account));
    settings::configure(cfg, "/settings");
    settings::configure(cfg, "/locations/{sub_account_id}/settings");
}

/// Every unknown dashboard URL: the styled 404 page.
pub async fn not_found() -> crate::error::AppResult<actix_web::HttpResponse> {
    Err(crate::error::AppError::NotFound)
}
