//! `POST /oauth/introspect` (RFC 7662), for the operator's own API gateways: given a token,
//! is it active, and what may it do? The caller authenticates with the resource-server
//! secret from configuration (`Authorization: Bearer <RESOURCE_SERVER_SECRET>`). An
//! inactive token answers `{"active": false}` and nothing more.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::ExposeSecret as _;
use serde::Deserialize;
use subtle::ConstantTimeEq as _;

use crate::db;
use crate::domain::token::TokenSecret;
use crate::web::AppState;

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
}

fn authenticated(req: &HttpRequest, state: &AppState) -> bool {
    let Some(secret) = &state.config.resource_server_secret else { return false };
    let sent = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or("");
    bool::from(sent.as_bytes().ct_eq(secret.expose_secret().as_bytes()))
}

/// The endpoint.
#[utoipa::path(
    post, path = "/oauth/introspect", tag = "OAuth",
    description = "RFC 7662 introspection for API gateways, authenticated with the resource-server secret (`Authorization: Bearer <RESOURCE_SERVER_SECRET>`).",
    request_body(content = IntrospectionForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = Introspection), (status = 401, description = "Wrong or missing resource-server secret")),
    security(("resource_server" = []))
)]
pub async fn introspect(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<IntrospectionForm>,
) -> HttpResponse {
    if !authenticated(&req, &state) {
        return HttpResponse::Unauthorized()
            .insert_header(("WWW-Authenticate", "Bearer realm=\"introspection\""))
            .json(serde_json::json!({ "error": "invalid_client" }));
    }
    let inactive = || HttpResponse::Ok().json(serde_json::json!({ "active": false }));
    let Ok(token) = TokenSecret::parse(form.token.trim()) else { return inactive() };
    let digest = state.digester.digest(&token);
    let now = state.clock.now();
    let found =
        state.db.run(move |conn| Ok(db::integrations::find_usable_by_digest(conn, &digest, now)?)).await;
    match found {
        Ok(Some((integration, token))) => {
            let scopes: Vec<String> = integration
                .scope_names()
                .into_iter()
                .filter(|scope| state.catalog.get(scope).is_some())
                .collect();
            let subject = integration.sub_account_id.map_or(integration.agency_id.0, |sub| sub.0);
            let mut body = serde_json::json!({
                "active": true,
                "scope": scopes.join(" "),
                "client_id": integration.id,
                "sub": subject,
                "iat": token.created_at.timestamp(),
                "token_type": "Bearer",
                "company_id": integration.agency_id,
                "location_id": integration.sub_account_id,
            });
            if let Some(expires_at) = token.expires_at {
                body["exp"] = serde_json::json!(expires_at.timestamp());
            }
            HttpResponse::Ok()
                .insert_header(header::CacheControl(vec![header::CacheDirective::NoStore]))
                .json(body)
        }
        Ok(None) => inactive(),
        Err(error) => {
            tracing::warn!(%error, "introspection failed");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({ "error": "temporarily_unavailable" }))
        }
    }
}
