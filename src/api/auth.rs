//! Who is calling: the bearer token, verified.

use std::future::Future;
use std::pin::Pin;

use actix_web::HttpMessage as _;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web::Data};
use chrono::{DateTime, Utc};

use super::{ApiError, ApiResult};
use crate::db;
use crate::domain::ids::{AgencyId, IntegrationId, SubAccountId};
use crate::domain::integration::Owner;
use crate::domain::token::TokenSecret;
use crate::web::{AppState, client};

/// A verified caller: the integration its token belongs to.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The integration.
    pub integration_id: IntegrationId,
    /// Its name.
    pub name: String,
    /// Whose it is.
    pub owner: Owner,
    /// The scopes it holds.
    pub scopes: Vec<String>,
    /// When the calling token stops working, if it is the old token of a rotation.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the calling token was issued.
    pub issued_at: DateTime<Utc>,
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req.app_data::<Data<AppState>>().cloned().ok_or(ApiError::INTERNAL)?;
            let text = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or(ApiError::unauthorized("An Authorization header with a Bearer token is required"))?;
            // Format and checksum first: a mistyped or forged token costs no lookup.
            let token =
                TokenSecret::parse(text).map_err(|_| ApiError::unauthorized("The token is malformed"))?;
            let digest = state.digester.digest(&token);
            let now = state.clock.now();
            let cached = state.tokens.get(&digest);
            state.metrics.cache(cached.is_some());
            let lookup = match cached {
                Some(hit) => hit,
                None => {
                    let generation = state.tokens.generation();
                    let key = digest.clone();
                    let found = state
                        .db
                        .run(move |conn| Ok(db::integrations::find_by_digest(conn, &key)?))
                        .await
                        .map_err(ApiError::from)?
                        .map(std::sync::Arc::new);
                    state.tokens.insert(digest, found.clone(), generation);
                    found
                }
            };
            let entry = lookup.filter(|entry| db::integrations::usable(&entry.0, &entry.1, now));
            state.metrics.verification(entry.is_some());
            let entry = entry.ok_or(ApiError::unauthorized("The token is invalid, revoked or expired"))?;
            let (integration, token) = (&entry.0, &entry.1);
            state.usage.record(token.id, now, client::ip(&req));
            let owner = integration.sub_account_id.map_or(integration.agency_id.0, |sub| sub.0);
            let standing = state.limiter.hit(integration.id.0, owner, now).await;
            req.extensions_mut().insert(standing);
            if standing.exceeded {
                state.metrics.rate_limited();
                return Err(ApiError::TOO_MANY);
            }
            Ok(Self {
                integration_id: integration.id,
                scopes: integration.scope_names(),
                owner: Owner { agency_id: integration.agency_id, sub_account_id: integration.sub_account_id },
                name: integration.name.clone(),
                expires_at: token.expires_at,
                issued_at: token.created_at,
            })
        })
    }
}

impl Caller {
    /// Fails with 403 unless the token holds `scope` and the catalog still knows it
    /// (a scope the catalog dropped grants nothing).
    pub fn require(&self, scope: &str, state: &AppState) -> ApiResult<()> {
        if self.scopes.iter().any(|held| held == scope) && state.catalog.get(scope).is_some() {
            Ok(())
        } else {
            Err(ApiError::SCOPE)
        }
    }

    /// Fails with 403 unless the sub-account (of `agency_id`) is within the token's reach:
    /// any of its agency's for an agency token, only its own for a sub-account token.
    pub fn reach(&self, sub_account: SubAccountId, agency_id: AgencyId) -> ApiResult<()> {
        let inside = match self.owner.sub_account_id {
            None => agency_id == self.owner.agency_id,
            Some(own) => own == sub_account,
        };
        if inside { Ok(()) } else { Err(ApiError::LOCATION) }
    }
}
