//! Who is calling: the bearer token, verified by [`crate::app::tokens::authenticate`], and
//! the `X-RateLimit-*` headers of its answer.

use std::future::Future;
use std::pin::Pin;

use actix_web::HttpMessage as _;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web::Data};

use super::ApiError;
use crate::app::limits::Standing;
use crate::app::tokens::{self, Rejected, Verified};
use crate::app::{App, Requester};
use crate::web::client;

/// A verified caller: the integration its token belongs to, asking from its address.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token, verified.
    pub verified: Verified,
    /// It, as use cases take it.
    pub requester: Requester,
}

/// The bearer token of a request, if it has one.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let app = req.app_data::<Data<App>>().cloned().ok_or(ApiError::INTERNAL)?;
            let ip = client::ip(&req);
            let span = tracing::Span::current();
            span.record("client", tracing::field::display(&ip));
            let presented = bearer(&req)
                .ok_or_else(|| refused("An Authorization header with a Bearer token is required"))?;
            let (verified, standing) =
                tokens::authenticate(&app, presented, &ip).await.map_err(|rejected| match rejected {
                    Rejected::Malformed => refused("The token is malformed"),
                    Rejected::Invalid => refused("The token is invalid, revoked or expired"),
                    Rejected::TooMany(seconds) => ApiError::too_many(seconds),
                    Rejected::Failed(error) => ApiError::from(error),
                })?;
            span.record("integration", tracing::field::display(verified.caller.integration_id));
            req.extensions_mut().insert(standing);
            if standing.exceeded {
                return Err(ApiError::too_many(standing.retry_after));
            }
            let requester = Requester::token(verified.caller.clone(), ip);
            Ok(Self { verified, requester })
        })
    }
}

/// A 401, logged (the request's span names the client's address; never the token).
fn refused(why: &'static str) -> ApiError {
    tracing::warn!(why, "API request refused: no usable token");
    ApiError::unauthorized(why)
}

impl Caller {
    /// Fails with 403 unless the token holds `scope` (and the catalog still knows it).
    pub fn require(&self, app: &App, scope: &'static str) -> Result<(), ApiError> {
        Ok(self.verified.caller.require_scope(scope, &app.catalog).map_err(crate::app::AppError::from)?)
    }
}

/// Copies the request's [`Standing`] (set when its token was verified) into the
/// `X-RateLimit-*` headers of its response.
pub fn rate_limit_headers<B>(response: &mut ServiceResponse<B>) {
    let standing = response.request().extensions().get::<Standing>().copied();
    if let Some(standing) = standing {
        for (name, value) in standing.headers() {
            // Formatted straight into the header value, without a string per number.
            response.headers_mut().insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
    }
}
