//! Route handlers of the dashboard, one module per area and one file per action or small
//! group. Handlers are thin: extract, parse into domain types, call a use case of
//! [`crate::app`], then render or redirect.

pub mod account;
pub mod auth;
pub mod health;
pub mod integrations;
pub mod notifications;
pub mod settings;
pub mod team;
pub mod webhooks;

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
        .service(
            web::resource("/sign-in/two-factor")
                .route(web::get().to(auth::two_factor::form))
                .route(web::post().to(auth::two_factor::submit)),
        )
        .route("/sign-out", web::post().to(auth::sign_out::submit))
        .service(
            web::resource("/setup/{token}")
                .route(web::get().to(auth::setup::form))
                .route(web::post().to(auth::setup::submit)),
        )
        .route("/notifications", web::get().to(notifications::page))
        .route("/notifications/read", web::post().to(notifications::mark_read))
        .route("/settings", web::get().to(settings::home::agency))
        .route("/locations/{sub_account_id}/settings", web::get().to(settings::home::sub_account));
    account::configure(cfg);
    settings::configure(cfg, "/settings");
    settings::configure(cfg, "/locations/{sub_account_id}/settings");
}

/// Every unknown dashboard URL: the styled 404 page.
#[tracing::instrument(skip_all)]
pub async fn not_found() -> crate::web::error::WebResult<actix_web::HttpResponse> {
    Err(crate::app::AppError::NotFound.into())
}

/// Every Settings route registered so far, as `METHOD /pattern`: the authorization
/// matrix test walks this list, so a new Settings route cannot escape it.
static SETTINGS_ROUTES: std::sync::Mutex<std::collections::BTreeSet<String>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// Registers a Settings resource (a GET and/or a POST handler) and records it.
pub fn settings_resource(
    cfg: &mut web::ServiceConfig,
    path: String,
    get: Option<actix_web::Route>,
    post: Option<actix_web::Route>,
) {
    let mut resource = web::resource(path.clone());
    let mut inventory = SETTINGS_ROUTES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(route) = get {
        inventory.insert(format!("GET {path}"));
        resource = resource.route(route);
    }
    if let Some(route) = post {
        inventory.insert(format!("POST {path}"));
        resource = resource.route(route);
    }
    cfg.service(resource);
}

/// The Settings routes registered by this process (after an app was built).
pub fn settings_routes() -> Vec<String> {
    SETTINGS_ROUTES.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().cloned().collect()
}
