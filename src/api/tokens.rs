//! `GET /v2/oauth/token-info`: what the calling token is; `GET /v2/health`: whether the
//! API answers (HighLevel's SDK calls it from `healthCheck()`).

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::ErrorBody;
use super::auth::Caller;
use super::wire::JsonBody as _;

/// Whose integration a token belongs to.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenOwner {
    /// `agency` or `sub-account`.
    #[serde(rename = "type")]
    #[schema(pattern = "^(agency|sub-account)$")]
    pub kind: &'static str,
    /// The agency's or sub-account's id.
    pub id: Uuid,
    /// The agency, for a sub-account's integration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<Uuid>,
}

/// The calling token's integration.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo<'a> {
    /// The integration's id.
    pub integration_id: Uuid,
    /// Its name.
    pub name: &'a str,
    /// Whose it is.
    pub owner: TokenOwner,
    /// The scopes it holds.
    pub scopes: &'a [String],
    /// When the calling token was issued.
    #[serde(serialize_with = "super::wire::time")]
    pub issued_at: DateTime<Utc>,
    /// When the calling token stops working (the old token of a rotation), else null.
    #[serde(serialize_with = "super::wire::optional_time")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// `GET /v2/oauth/token-info`: the calling token's own integration.
#[utoipa::path(
    get, path = "/v2/oauth/token-info", tag = "OAuth",
    description = "The calling token's integration, owner, scopes and expiry. Any valid token.",
    responses(
        (status = 200, body = TokenInfo),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn token_info(caller: Caller) -> HttpResponse {
    let verified = caller.verified;
    let token = &verified.caller;
    let owner = match token.owner.sub_account_id {
        None => TokenOwner { kind: "agency", id: token.owner.agency_id.0, company_id: None },
        Some(id) => TokenOwner { kind: "sub-account", id: id.0, company_id: Some(token.owner.agency_id.0) },
    };
    HttpResponse::Ok().json_body(TokenInfo {
        integration_id: token.integration_id.0,
        name: &token.name,
        owner,
        scopes: &token.scopes,
        issued_at: verified.issued_at,
        expires_at: verified.expires_at,
    })
}

/// `{"status": "ok"}`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    #[schema(pattern = "^ok$")]
    pub status: &'static str,
}

/// `GET /v2/health`: the API answers; no token needed.
#[utoipa::path(
    get, path = "/v2/health", tag = "OAuth",
    description = "Whether the API answers (no token needed); HighLevel's SDK calls it from `healthCheck()`.",
    responses((status = 200, body = Health), (status = 400, body = ErrorBody))
)]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json_body(Health { status: "ok" })
}
