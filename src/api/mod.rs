//! The token-authenticated API (SPEC §4): `Authorization: Bearer pit-…`, HighLevel-shaped
//! `/v2` resources, JSON errors `{statusCode, message}`. It runs outside the dashboard's
//! session and CSRF middleware: a token is the only credential here.
//!
//! Checks, cheapest first: the header, the token's format and checksum (no I/O), its digest
//! looked up with the integration (not revoked, not expired at this instant, integration
//! not deleted), the scope the endpoint needs (and that the catalog still knows), then the
//! resource being inside the token's agency or sub-account.

pub mod auth;
pub mod introspect;
pub mod openapi;
pub mod resources;
pub mod writes;

use std::borrow::Cow;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use serde::Serialize;

use crate::app::AppError;
use crate::domain::access::TokenDenial;

/// Registers the API routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(openapi::document))
        .service(
            web::resource("/oauth/introspect").wrap(no_store()).route(web::post().to(introspect::introspect)),
        )
        .service(
            web::scope("/v2")
                .wrap(actix_web::middleware::from_fn(auth::rate_limit_headers))
                .route("/oauth/token-info", web::get().to(resources::token_info))
                .wrap(no_store())
                .app_data(
                    web::JsonConfig::default().limit(crate::config::BODY_LIMIT).error_handler(json_error),
                )
                .app_data(web::QueryConfig::default().error_handler(query_error))
                .route("/companies/{company_id}", web::get().to(resources::company))
                .route("/locations/search", web::get().to(resources::search_locations))
                .route("/locations", web::post().to(writes::create_location))
                .route("/locations/", web::post().to(writes::create_location))
                .service(
                    web::resource("/locations/{location_id}")
                        .route(web::get().to(resources::location))
                        .route(web::put().to(writes::update_location))
                        .route(web::delete().to(writes::delete_location)),
                )
                .service(
                    web::resource(["/users/", "/users"])
                        .route(web::get().to(resources::users))
                        .route(web::post().to(writes::create_user)),
                )
                .service(
                    web::resource("/users/{user_id}")
                        .route(web::get().to(resources::user))
                        .route(web::put().to(writes::update_user))
                        .route(web::delete().to(writes::delete_user)),
                ),
        );
}

/// `Cache-Control: no-store` on every answer: they carry what a token may reach.
fn no_store() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new().add((actix_web::http::header::CACHE_CONTROL, "no-store"))
}

/// A JSON body that cannot be read: too large (413), else invalid (422).
fn json_error(error: actix_web::error::JsonPayloadError, _: &actix_web::HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    match error {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::TOO_LARGE.into()
        }
        other => ApiError::invalid(format!("The JSON body is invalid: {other}")).into(),
    }
}

/// A query string that does not parse (`limit=abc`, `skip=-1`): 422 in the API's shape.
fn query_error(error: actix_web::error::QueryPayloadError, _: &actix_web::HttpRequest) -> actix_web::Error {
    let reason = match &error {
        actix_web::error::QueryPayloadError::Deserialize(inner) => inner.to_string(),
        other => other.to_string(),
    };
    ApiError::invalid(format!("The query string is invalid: {reason}")).into()
}

/// An API failure, answered as `{statusCode, message}`.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    status: StatusCode,
    message: Cow<'static, str>,
    /// For a 429: seconds until a request would be accepted (`Retry-After`).
    retry_after: Option<u64>,
}

impl ApiError {
    /// No usable token: missing, malformed, bad checksum, unknown, revoked, expired, or
    /// its integration deleted.
    pub const fn unauthorized(message: &'static str) -> Self {
        Self { status: StatusCode::UNAUTHORIZED, message: Cow::Borrowed(message), retry_after: None }
    }

    /// Invalid input: 422 with what to fix.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: Cow::Owned(message.into()),
            retry_after: None,
        }
    }

    const fn fixed(status: StatusCode, message: &'static str) -> Self {
        Self { status, message: Cow::Borrowed(message), retry_after: None }
    }

    /// The token lacks the endpoint's scope.
    pub const SCOPE: Self = Self::fixed(StatusCode::FORBIDDEN, "The token is not authorized for this scope");

    /// The resource is outside the token's agency or sub-account.
    pub const LOCATION: Self =
        Self::fixed(StatusCode::FORBIDDEN, "The token does not have access to this location");

    /// The person is, or would become, an admin.
    pub const ADMINS: Self = Self::fixed(StatusCode::FORBIDDEN, "The token cannot manage admins");

    /// No such resource (within reach).
    pub const NOT_FOUND: Self = Self::fixed(StatusCode::NOT_FOUND, "Not found");

    /// The body is over [`crate::config::BODY_LIMIT`].
    pub const TOO_LARGE: Self = Self::fixed(
        StatusCode::PAYLOAD_TOO_LARGE,
        "The request body is larger than this API accepts (64 KiB)",
    );

    /// The database cannot be reached.
    pub const UNAVAILABLE: Self =
        Self::fixed(StatusCode::SERVICE_UNAVAILABLE, "The service is temporarily unavailable");

    /// Over a rate limit; try again after `seconds`.
    pub const fn too_many(seconds: u64) -> Self {
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: Cow::Borrowed("Too many requests"),
            retry_after: Some(seconds),
        }
    }

    /// Anything unexpected (logged).
    pub const INTERNAL: Self = Self::fixed(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
}

/// Every API error: `{"statusCode": 403, "message": "…"}`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// The HTTP status.
    pub status_code: u16,
    /// What went wrong.
    pub message: String,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(ErrorBody { status_code: self.status.as_u16(), message: self.message.to_string() })
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::NotFound => Self::NOT_FOUND,
            AppError::Token(denial) => {
                // The request's span names the integration and the client's address.
                tracing::warn!(?denial, "API request refused: beyond the token's reach");
                match denial {
                    TokenDenial::Scope(_) => Self::SCOPE,
                    TokenDenial::Location => Self::LOCATION,
                    TokenDenial::Admins => Self::ADMINS,
                }
            }
            AppError::Forbidden => Self::LOCATION,
            AppError::Invalid { field, message } => Self::invalid(format!("{field}: {message}")),
            AppError::Refused(message) => Self::invalid(message),
            AppError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                Self::UNAVAILABLE
            }
            AppError::Internal(cause) => {
                tracing::error!(error = ?cause, "API request failed");
                Self::INTERNAL
            }
        }
    }
}

/// The result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;
