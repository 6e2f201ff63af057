//! `GET /v2/oauth/token-info`: what the calling token is; `GET /v2/health`: whether the
//! API answers (HighLevel's SDK calls it from `healthCheck()`).

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::ErrorBody;
use super::auth::Caller;
use super::wire::{JsonBody as _, JsonText};

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
    let info = TokenInfo {
        integration_id: token.integration_id.0,
        name: &token.name,
        owner,
        scopes: &token.scopes,
        issued_at: verified.issued_at,
        expires_at: verified.expires_at,
    };
    info.to_json().respond(&mut HttpResponse::Ok())
}

impl TokenInfo<'_> {
    /// The answer, as its `Serialize` writes it (the tests hold them equal), written by
    /// hand: every integration's calls may start with this one.
    pub fn to_json(&self) -> JsonText {
        let mut json = JsonText::with_capacity(256 + self.name.len() + 32 * self.scopes.len());
        json.raw(r#"{"integrationId":"#).uuid(self.integration_id);
        json.raw(r#","name":"#).string(self.name);
        json.raw(r#","owner":{"type":"#).string(self.owner.kind);
        json.raw(r#","id":"#).uuid(self.owner.id);
        if let Some(company) = self.owner.company_id {
            json.raw(r#","companyId":"#).uuid(company);
        }
        json.raw(r#"},"scopes":["#);
        for (index, scope) in self.scopes.iter().enumerate() {
            json.raw(if index == 0 { "" } else { "," }).string(scope);
        }
        json.raw(r#"],"issuedAt":"#).time(&self.issued_at);
        json.raw(r#","expiresAt":"#).optional_time(self.expires_at.as_ref());
        json.raw("}");
        json
    }
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn token_info_is_written_as_serde_writes_it(
            name in any::<String>(),
            scopes in proptest::collection::vec(any::<String>(), 0..4),
            ids in any::<(u128, u128, u128)>(),
            sub_account in any::<bool>(),
            issued in 0..4_102_444_800_i64,
            nanos in prop_oneof![Just(0_u32), Just(123_000_000), 0..1_000_000_000_u32],
            expires in proptest::option::of(-70_000_000_000..300_000_000_000_i64),
        ) {
            let at = |seconds| Utc.timestamp_opt(seconds, nanos).single().expect("a time");
            let (integration, owner, agency) = ids;
            let owner = if sub_account {
                TokenOwner { kind: "sub-account", id: Uuid::from_u128(owner), company_id: Some(Uuid::from_u128(agency)) }
            } else {
                TokenOwner { kind: "agency", id: Uuid::from_u128(owner), company_id: None }
            };
            let info = TokenInfo {
                integration_id: Uuid::from_u128(integration),
                name: &name,
                owner,
                scopes: &scopes,
                issued_at: at(issued),
                expires_at: expires.map(at),
            };
            let (ours, by_serde) = (info.to_json(), serde_json::to_vec(&info).expect("json"));
            prop_assert_eq!(String::from_utf8_lossy(ours.as_bytes()), String::from_utf8_lossy(&by_serde));
        }
    }

    #[test]
    fn text_is_escaped_as_serde_escapes_it() {
        let every_ascii: String = (0..128_u8).map(char::from).collect();
        for text in
            [every_ascii.as_str(), "", "plain", "quote \" and \\ back", "\u{7f}\u{80}\u{2028}\u{1F600}é"]
        {
            let mut json = JsonText::default();
            json.string(text);
            assert_eq!(json.as_bytes(), serde_json::to_vec(text).expect("json"), "{text:?}");
        }
    }
}
