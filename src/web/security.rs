//! Request-level protections: security headers on every response, and the CSRF check
//! (a per-session token in every state-changing form, plus the Origin) in front of every
//! state-changing dashboard route, so that no handler can forget it.

use actix_session::SessionExt as _;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::web::{Bytes, Data};
use serde::Deserialize;
use subtle::ConstantTimeEq as _;

use super::error::WebError;
use super::session::stored_csrf_token;
use crate::app::App;

/// The Content-Security-Policy: nothing inline, nothing from elsewhere, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// The form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf_token";

/// Headers added to every response (a handler's own value wins).
pub fn headers(tls: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"));
    if tls {
        headers.add((header::STRICT_TRANSPORT_SECURITY, "max-age=63072000; includeSubDomains"))
    } else {
        headers
    }
}

#[derive(Deserialize)]
struct CsrfField {
    csrf_token: Option<String>,
}

/// Refuses a state-changing request unless it comes from our own origin and carries the
/// session's CSRF token. The body is read (within the configured size limit) and handed
/// on unchanged.
pub async fn verify_csrf(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.call(req).await;
    }
    // Logs name the route pattern, never the path: a path may carry a one-time token.
    let route = req.match_pattern().unwrap_or_else(|| "(unmatched)".to_owned());
    if !same_origin(&req) {
        tracing::warn!(route, "refused a cross-origin form submission");
        return Err(WebError::CsrfRejected.into());
    }
    let body = req.extract::<Bytes>().await?;
    let sent = serde_html_form::from_bytes::<CsrfField>(&body).ok().and_then(|field| field.csrf_token);
    // A signed-in session's own token; before sign-in, the signed cookie's.
    let expected = stored_csrf_token(&req.get_session())
        .or_else(|| req.app_data::<Data<App>>().and_then(|app| super::csrf::from_cookie(req.request(), app)));
    let valid = match (sent, expected) {
        (Some(sent), Some(expected)) => bool::from(sent.as_bytes().ct_eq(expected.as_bytes())),
        _ => false,
    };
    if !valid {
        tracing::warn!(route, "refused a form without a valid CSRF token");
        return Err(WebError::CsrfRejected.into());
    }
    req.set_payload(Payload::from(body));
    next.call(req).await
}

/// Whether the request's `Origin` (or, lacking one, `Referer`) is this app's.
fn same_origin(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    let origin = match headers.get(header::ORIGIN).and_then(|value| value.to_str().ok()) {
        Some(origin) => origin.to_owned(),
        None => match headers.get(header::REFERER).and_then(|value| value.to_str().ok()) {
            Some(referer) => origin_of(referer),
            None => return false,
        },
    };
    // Forwarding headers count only from a trusted proxy: anyone else could name any host.
    let own = super::client::addressed_origin(req.request());
    let public = req.app_data::<Data<App>>().map(|app| app.config.public_url.clone());
    origin == own || Some(origin) == public
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |index| index + 3);
    let end = url[after_scheme..].find('/').map_or(url.len(), |index| index + after_scheme);
    url[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_of_drops_the_path() {
        assert_eq!(origin_of("https://pi.example.com/settings?x=1"), "https://pi.example.com");
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }
}
