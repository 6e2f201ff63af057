//! `POST /oauth/introspect` (RFC 7662), for the operator's own API gateways: given a token,
//! is it active, and what may it do? The caller authenticates with the resource-server
//! secret from configuration (`Authorization: Bearer <RESOURCE_SERVER_SECRET>`). An
//! inactive token answers `{"active": false}` and nothing more.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::ExposeSecret as _;
use serde::Deserialize;
use subtle::ConstantTimeEq as _;

use super::wire::JsonBody as _;
use crate::app::App;
use crate::app::tokens::{self, Rejected};

/// The form of an introspection request.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct IntrospectionForm {
    /// The token to check.
    #[serde(default)]
    token: String,
}

/// RFC 7662's answer; only `active` for an inactive token.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Introspection {
    /// Whether the token authenticates now.
    pub active: bool,
    /// Space-separated scopes.
    pub scope: Option<String>,
    /// The integration's id.
    pub client_id: Option<uuid::Uuid>,
    /// The owner: the sub-account's id, or the agency's.
    pub sub: Option<uuid::Uuid>,
    /// Issued at (Unix seconds).
    pub iat: Option<i64>,
    /// Expires at (Unix seconds), for the old token of a rotation.
    pub exp: Option<i64>,
    /// Always `Bearer`.
    pub token_type: Option<String>,
    /// The agency.
    pub company_id: Option<uuid::Uuid>,
    /// The sub-account, for a sub-account's integration.
    pub location_id: Option<uuid::Uuid>,
}

/// An OAuth error: `{"error": "invalid_client"}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client` or `temporarily_unavailable`.
    #[schema(pattern = "^(invalid_request|invalid_client|temporarily_unavailable)$")]
    pub error: &'static str,
}

/// A body that is not a form: 400 `invalid_request`, as RFC 6749 answers.
pub fn form_error(error: actix_web::error::UrlencodedError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::UrlencodedError;
    tracing::debug!(%error, "introspection request without a form");
    let mut answer = match error {
        UrlencodedError::Overflow { .. } => HttpResponse::PayloadTooLarge(),
        _ => HttpResponse::BadRequest(),
    };
    let response = answer
        .insert_header(header::CacheControl(vec![header::CacheDirective::NoStore]))
        .json_body(OAuthError { error: "invalid_request" });
    actix_web::error::InternalError::from_response(error, response).into()
}

fn authenticated(req: &HttpRequest, app: &App) -> bool {
    let Some(secret) = &app.config.resource_server_secret else { return false };
    let sent = super::auth::bearer(req).unwrap_or("");
    bool::from(sent.as_bytes().ct_eq(secret.expose_secret().as_bytes()))
}

/// The endpoint.
#[utoipa::path(
    post, path = "/oauth/introspect", tag = "OAuth",
    description = "RFC 7662 introspection for API gateways, authenticated with the resource-server secret (`Authorization: Bearer <RESOURCE_SERVER_SECRET>`).",
    request_body(content = IntrospectionForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = Introspection),
        (status = 400, body = OAuthError, description = "Not a form"),
        (status = 401, body = OAuthError, description = "Wrong or missing resource-server secret"),
        (status = 413, body = OAuthError, description = "A body over 64 KiB"),
        (status = 503, body = OAuthError, description = "The database is unreachable"),
    ),
    security(("resource_server" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn introspect(
    req: HttpRequest,
    app: web::Data<App>,
    form: web::Form<IntrospectionForm>,
) -> HttpResponse {
    if !authenticated(&req, &app) {
        tracing::warn!(client = %crate::web::client::ip(&req), "introspection refused: wrong or missing secret");
        return HttpResponse::Unauthorized()
            .insert_header(("WWW-Authenticate", "Bearer realm=\"introspection\""))
            .json_body(serde_json::json!({ "error": "invalid_client" }));
    }
    let verified = match tokens::verify(&app, form.token.trim()).await {
        Ok(verified) => verified,
        Err(Rejected::Malformed | Rejected::Invalid | Rejected::Inactive(_) | Rejected::TooMany(_)) => {
            return HttpResponse::Ok().json_body(serde_json::json!({ "active": false }));
        }
        Err(Rejected::Failed(error)) => {
            tracing::warn!(%error, "introspection failed");
            return HttpResponse::ServiceUnavailable()
                .json_body(serde_json::json!({ "error": "temporarily_unavailable" }));
        }
    };
    let caller = &verified.caller;
    let subject = caller.owner.sub_account_id.map_or(caller.owner.agency_id.0, |sub| sub.0);
    let mut body = serde_json::json!({
        "active": true,
        "scope": caller.effective_scopes(&app.catalog).join(" "),
        "client_id": caller.integration_id,
        "sub": subject,
        "iat": verified.issued_at.timestamp(),
        "token_type": "Bearer",
        "company_id": caller.owner.agency_id,
        "location_id": caller.owner.sub_account_id,
    });
    if let Some(expires_at) = verified.expires_at {
        body["exp"] = serde_json::json!(expires_at.timestamp());
    }
    HttpResponse::Ok()
        .insert_header(header::CacheControl(vec![header::CacheDirective::NoStore]))
        .json_body(body)
}
