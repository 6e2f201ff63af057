//! Who is calling: the bearer token, verified by [`crate::app::tokens::authenticate`], and
//! the `X-RateLimit-*` headers of its answer.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use actix_web::HttpMessage as _;
use actix_web::dev::ServiceResponse;
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web::Data};
use chrono::{DateTime, Utc};

use super::ApiError;
use crate::app::limits::Standing;
use crate::app::tokens::{self, Authenticated, Rejected, Verified};
use crate::app::{App, Requester};
use crate::domain::ids::{IntegrationId, TokenId};
use crate::domain::usage::{self, Call, Endpoint, Outcome};
use crate::web::client;

/// A verified caller: the integration its token belongs to, asking from its address.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token, verified.
    pub verified: Verified,
    /// It, as use cases take it.
    pub requester: Requester,
    /// The call as usage counts it, shared with the request (see [`count_call`]).
    mark: Arc<Mark>,
}

/// An API call attributable to a token, as usage will count it once answered.
#[derive(Debug)]
pub struct Mark {
    token: TokenId,
    integration: IntegrationId,
    at: DateTime<Utc>,
    endpoint: Endpoint,
    /// The scope that granted the call, once [`Caller::require`] found it held.
    scope: OnceLock<&'static str>,
}

/// The route of a resource, set on it as app data, so that usage names the endpoint
/// without matching the path again.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// Its fixed prefix (`/v2/locations`).
    pub prefix: &'static str,
    /// The rest of its pattern, without a trailing slash.
    pub path: &'static str,
}

/// The bearer token of a request, if it has one.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
}

/// The method as usage names it (the API answers only these).
fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        _ => "OTHER",
    }
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
            let mark = |token, integration, at| {
                let route = req.app_data::<Route>().copied().unwrap_or(Route { prefix: "/v2", path: "" });
                let endpoint =
                    Endpoint { method: method_name(req.method()), prefix: route.prefix, path: route.path };
                let mark = Arc::new(Mark { token, integration, at, endpoint, scope: OnceLock::new() });
                req.extensions_mut().insert(Arc::clone(&mark));
                mark
            };
            let authenticated =
                tokens::authenticate(&app, presented, &ip).await.map_err(|rejected| match rejected {
                    Rejected::Malformed => refused("The token is malformed"),
                    Rejected::Invalid => refused("The token is invalid, revoked or expired"),
                    Rejected::Inactive(known) => {
                        mark(known.token, known.integration, app.clock.now());
                        refused("The token is invalid, revoked or expired")
                    }
                    Rejected::TooMany(seconds) => ApiError::too_many(seconds),
                    Rejected::Failed(error) => ApiError::from(error),
                })?;
            let Authenticated { verified, standing, at } = authenticated;
            span.record("integration", tracing::field::display(verified.caller.integration_id));
            let mark = mark(verified.token, verified.caller.integration_id, at);
            req.extensions_mut().insert(standing);
            if standing.exceeded {
                return Err(ApiError::too_many(standing.retry_after));
            }
            let requester = Requester::token(verified.caller.clone(), ip);
            Ok(Self { verified, requester, mark })
        })
    }
}

/// Counts an answered call for usage, if a token it presented was recognised (see
/// [`Caller`]); calls without one are no token's usage.
pub fn count_call<B>(app: &App, response: &ServiceResponse<B>) {
    let extensions = response.request().extensions();
    if let Some(mark) = extensions.get::<Arc<Mark>>() {
        app.usage.answered(Call {
            token: mark.token,
            integration: mark.integration,
            hour: usage::hour_of(mark.at),
            endpoint: mark.endpoint,
            scope: mark.scope.get().copied(),
            outcome: Outcome::of_status(response.status().as_u16()),
        });
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
        self.verified.caller.require_scope(scope, &app.catalog).map_err(crate::app::AppError::from)?;
        // The first scope found held is the one usage credits.
        let _ = self.mark.scope.set(scope);
        Ok(())
    }
}

/// Copies the request's [`Standing`] (set when its token was verified) into the
/// `X-RateLimit-*` headers of its response.
pub fn rate_limit_headers<B>(response: &mut ServiceResponse<B>) {
    let standing = response.request().extensions().get::<Standing>().copied();
    if let Some(standing) = standing {
        RENDERED.with_borrow_mut(|rendered| {
            let names = RATE_LIMIT_HEADERS.iter().cloned();
            for ((name, number), last) in names.zip(standing.headers()).zip(rendered.iter_mut()) {
                let value = match last {
                    Some((same, value)) if *same == number => value.clone(),
                    _ => {
                        // Formatted straight into the header value, without a string.
                        let value = HeaderValue::from(number);
                        *last = Some((number, value.clone()));
                        value
                    }
                };
                response.headers_mut().insert(name, value);
            }
        });
    }
}

/// [`Standing::HEADERS`], checked once, when compiled (`from_static` checks each byte).
static RATE_LIMIT_HEADERS: [HeaderName; 5] = {
    let names = Standing::HEADERS;
    [
        HeaderName::from_static(names[0]),
        HeaderName::from_static(names[1]),
        HeaderName::from_static(names[2]),
        HeaderName::from_static(names[3]),
        HeaderName::from_static(names[4]),
    ]
};

thread_local! {
    /// The value last written for each `X-RateLimit-*` header on this thread, in
    /// [`Standing::headers`]' order: three of the five are the configured limits, the
    /// same on every answer, so they are formatted once and then shared.
    static RENDERED: std::cell::RefCell<[Option<(u64, HeaderValue)>; 5]> =
        const { std::cell::RefCell::new([const { None }; 5]) };
}
