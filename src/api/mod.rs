//! The token-authenticated API (SPEC §4): `Authorization: Bearer pit-…`, HighLevel-shaped
//! `/v2` resources, JSON errors `{statusCode, message}`. It runs outside the dashboard's
//! session and CSRF middleware: a token is the only credential here.
//!
//! Checks, cheapest first: the header, the token's format and checksum (no I/O), its digest
//! looked up with the integration (not revoked, not expired at this instant, integration
//! not deleted), the scope the endpoint needs (and that the catalog still knows), then the
//! resource being inside the token's agency or sub-account.

pub mod auth;
pub mod companies;
pub mod contacts;
pub mod introspect;
pub mod locations;
mod members;
pub mod openapi;
pub mod tokens;
pub mod users;
pub mod wire;

use std::borrow::Cow;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, Route, web};
use serde::Serialize;

use crate::app::AppError;
use crate::domain::access::TokenDenial;
use wire::JsonBody as _;

/// HighLevel's message for a token without the endpoint's scope (ours names the scope
/// after it).
pub const SCOPE_REFUSED: &str = "The token is not authorized for this scope";

/// The `Version` header values HighLevel publishes; any is accepted, and so is none.
pub const VERSIONS: [&str; 4] = ["2021-07-28", "2021-04-15", "2023-02-21", "v3"];

/// What a resource answers: a method and its handler, for each method it accepts.
type Methods = Vec<(Method, Route)>;

/// The resource at `prefix` + `path` answering `methods`; any other method gets 405 with
/// `Allow`. It carries its route for usage (`auth::Route`).
fn resource(prefix: &'static str, path: &'static str, methods: Methods) -> actix_web::Resource {
    let allowed: Vec<&str> = methods.iter().map(|(method, _)| method.as_str()).collect();
    let allow = allowed.join(", ");
    let route = auth::Route { prefix, path: path.trim_end_matches('/') };
    let mut resource = web::resource(path).app_data(route);
    for (_, handler) in methods {
        resource = resource.route(handler);
    }
    resource.default_service(web::to(move || {
        let allow = allow.clone();
        async move { method_not_allowed(&allow) }
    }))
}

/// A group of resources under a fixed prefix (`/locations`, …), each `(path, methods)`.
/// The router compares a fixed path as text; the member paths (`/{locationId}`,
/// `/{contactId}/tags`), which it would match by a regular expression each, are matched
/// by hand after them (`members`). `name` is the prefix with the API's own
/// (`/v2/locations`), as usage names routes.
fn group(
    prefix: &'static str,
    name: &'static str,
    resources: Vec<(&'static str, Methods)>,
) -> actix_web::Scope {
    let (members, fixed): (Vec<_>, Vec<_>) = resources.into_iter().partition(|(path, _)| path.contains('{'));
    fixed.into_iter().fold(
        web::scope(prefix).default_service(members::Members::new(name, members)),
        |scope, (path, methods)| scope.service(resource(name, path, methods)),
    )
}

fn method_not_allowed(allow: &str) -> HttpResponse {
    let mut response = ApiError::METHOD.error_response();
    if let Ok(value) = header::HeaderValue::from_str(allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// Registers the API routes. Collections answer with and without the trailing slash
/// HighLevel's SDK uses (`/locations/`, `/users/`, `/contacts/`): one resource each, since
/// a resource of several paths is matched by a regular expression set.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use Method as M;
    cfg.route("/openapi.json", web::get().to(openapi::document))
        .service(
            web::resource("/oauth/introspect")
                .wrap(no_store())
                .app_data(
                    web::FormConfig::default()
                        .limit(crate::config::BODY_LIMIT)
                        .error_handler(introspect::form_error),
                )
                .route(web::post().to(introspect::introspect)),
        )
        .service(
            web::scope("/v2")
                .wrap(actix_web::middleware::from_fn(around_every_call))
                .app_data(web::QueryConfig::default().error_handler(query_error))
                .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NOT_FOUND.into()))
                .service(resource("/v2", "/health", vec![(M::GET, web::get().to(tokens::health))]))
                .service(resource(
                    "/v2",
                    "/oauth/token-info",
                    vec![(M::GET, web::get().to(tokens::token_info))],
                ))
                .service(group(
                    "/companies",
                    "/v2/companies",
                    vec![("/{companyId}", vec![(M::GET, web::get().to(companies::get))])],
                ))
                .service(group(
                    "/locations",
                    "/v2/locations",
                    vec![
                        ("/search", vec![(M::GET, web::get().to(locations::search))]),
                        ("", vec![(M::POST, web::post().to(locations::create))]),
                        ("/", vec![(M::POST, web::post().to(locations::create))]),
                        (
                            "/{locationId}",
                            vec![
                                (M::GET, web::get().to(locations::get)),
                                (M::PUT, web::put().to(locations::update)),
                                (M::DELETE, web::delete().to(locations::delete)),
                            ],
                        ),
                    ],
                ))
                .service(group(
                    "/users",
                    "/v2/users",
                    vec![
                        ("/search", vec![(M::GET, web::get().to(users::search))]),
                        ("/search/filter-by-email", vec![(M::POST, web::post().to(users::filter_by_email))]),
                        ("", users_collection()),
                        ("/", users_collection()),
                        (
                            "/{userId}",
                            vec![
                                (M::GET, web::get().to(users::get)),
                                (M::PUT, web::put().to(users::update)),
                                (M::DELETE, web::delete().to(users::delete)),
                            ],
                        ),
                    ],
                ))
                .service(group(
                    "/contacts",
                    "/v2/contacts",
                    vec![
                        ("/search", vec![(M::POST, web::post().to(contacts::search))]),
                        ("/search/duplicate", vec![(M::GET, web::get().to(contacts::duplicate))]),
                        ("/upsert", vec![(M::POST, web::post().to(contacts::upsert))]),
                        ("", contacts_collection()),
                        ("/", contacts_collection()),
                        (
                            "/{contactId}",
                            vec![
                                (M::GET, web::get().to(contacts::get)),
                                (M::PUT, web::put().to(contacts::update)),
                                (M::DELETE, web::delete().to(contacts::delete)),
                            ],
                        ),
                        (
                            "/{contactId}/tags",
                            vec![
                                (M::POST, web::post().to(contacts::add_tags)),
                                (M::DELETE, web::delete().to(contacts::remove_tags)),
                            ],
                        ),
                    ],
                ))
                .default_service(web::to(|| async { ApiError::NOT_FOUND.error_response() })),
        );
}

fn users_collection() -> Methods {
    vec![(Method::GET, web::get().to(users::by_location)), (Method::POST, web::post().to(users::create))]
}

fn contacts_collection() -> Methods {
    vec![(Method::GET, web::get().to(contacts::list)), (Method::POST, web::post().to(contacts::create))]
}

/// What every `/v2` call goes through, in one middleware (each layer of its own costs a
/// boxed future per request): a `Version` header HighLevel does not publish is refused
/// (400; none is fine); every answer gets `Cache-Control: no-store` (it carries what a
/// token may reach) and, once the token was verified, its `X-RateLimit-*` headers, errors
/// included; a call whose token was recognised is counted for usage once answered.
async fn around_every_call(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, actix_web::Error> {
    let version = req.headers().get("version").map(|value| value.to_str().unwrap_or("").trim());
    if version.is_some_and(|version| !VERSIONS.contains(&version)) {
        let response = ApiError::VERSION.error_response();
        let mut response = req.into_response(response).map_into_right_body();
        no_store_header(response.headers_mut());
        return Ok(response);
    }
    let mut response = next.call(req).await?.map_into_left_body();
    no_store_header(response.headers_mut());
    auth::rate_limit_headers(&mut response);
    if let Some(app) = response.request().app_data::<web::Data<crate::app::App>>() {
        auth::count_call(app, &response);
    }
    Ok(response)
}

/// `Cache-Control: no-store`, unless the handler chose otherwise.
fn no_store_header(headers: &mut header::HeaderMap) {
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    }
}

/// `Cache-Control: no-store` on every answer: they carry what a token may reach.
fn no_store() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new().add((actix_web::http::header::CACHE_CONTROL, "no-store"))
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
    /// What else the client may use (the contact a duplicate would repeat).
    meta: Option<serde_json::Value>,
}

impl ApiError {
    /// No usable token: missing, malformed, bad checksum, unknown, revoked, expired, or
    /// its integration deleted.
    pub const fn unauthorized(message: &'static str) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            message: Cow::Borrowed(message),
            retry_after: None,
            meta: None,
        }
    }

    /// Invalid input: 422 with what to fix.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: Cow::Owned(message.into()),
            retry_after: None,
            meta: None,
        }
    }

    const fn fixed(status: StatusCode, message: &'static str) -> Self {
        Self { status, message: Cow::Borrowed(message), retry_after: None, meta: None }
    }

    /// The token lacks the endpoint's scope: HighLevel's sentence, then the scope the
    /// endpoint needs, so that whoever reads it knows what to ask the admin for.
    pub fn scope(scope: &str) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            message: Cow::Owned(format!("{SCOPE_REFUSED}: this endpoint needs {scope}")),
            retry_after: None,
            meta: None,
        }
    }

    /// The resource is outside the token's agency or sub-account.
    pub const LOCATION: Self =
        Self::fixed(StatusCode::FORBIDDEN, "The token does not have access to this location");

    /// The person is, or would become, an admin.
    pub const ADMINS: Self = Self::fixed(StatusCode::FORBIDDEN, "The token cannot manage admins");

    /// An agency role asked of a sub-account's token.
    pub const AGENCY_ROLE: Self =
        Self::fixed(StatusCode::FORBIDDEN, "The token of a location can only give account roles");

    /// A `companyId` other than the token's agency.
    pub const COMPANY: Self =
        Self::fixed(StatusCode::FORBIDDEN, "The token does not have access to this company");

    /// A write that would grant one of this product's permissions.
    pub const PERMISSIONS: Self = Self::fixed(StatusCode::FORBIDDEN, "The token cannot grant permissions");

    /// A `Version` header HighLevel does not publish.
    pub const VERSION: Self = Self::fixed(
        StatusCode::BAD_REQUEST,
        "The Version header must be one of 2021-07-28, 2021-04-15, 2023-02-21 or v3 (or absent)",
    );

    /// A method the path does not answer.
    pub const METHOD: Self = Self::fixed(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");

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
            meta: None,
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
    /// For a duplicate contact: `{contactId, matchingField}` of the one it would repeat.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub meta: Option<serde_json::Value>,
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
        response.json_body(ErrorBody {
            status_code: self.status.as_u16(),
            message: self.message.to_string(),
            meta: self.meta.clone(),
        })
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
                    TokenDenial::Scope(scope) => Self::scope(scope),
                    TokenDenial::Location => Self::LOCATION,
                    TokenDenial::Admins => Self::ADMINS,
                    TokenDenial::AgencyRole => Self::AGENCY_ROLE,
                }
            }
            AppError::Forbidden => Self::LOCATION,
            AppError::Invalid { field, message } => Self::invalid(format!("{field}: {message}")),
            AppError::Conflict { field, message } => Self {
                status: StatusCode::CONFLICT,
                message: Cow::Owned(format!("{field}: {message}")),
                retry_after: None,
                meta: None,
            },
            AppError::Refused(message) => Self::invalid(message),
            AppError::AlreadyDone => Self {
                status: StatusCode::CONFLICT,
                message: Cow::Borrowed("An earlier request did this already"),
                retry_after: None,
                meta: None,
            },
            AppError::Duplicate { message, existing, field } => Self {
                status: StatusCode::BAD_REQUEST,
                message: Cow::Owned(message),
                retry_after: None,
                meta: Some(serde_json::json!({ "contactId": existing, "matchingField": field })),
            },
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
