//! CSRF tokens. A signed-in session keeps its own token. Pages before sign-in use a
//! signed double-submit cookie instead, so that showing them writes nothing to the
//! database: the form carries a random token, and the `pi_csrf` cookie carries the same
//! token signed with the server's key; a post must bring both, matching.

use actix_session::SessionExt as _;
use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};

use crate::app::keys::Purpose;
use crate::app::{App, random};

/// The cookie's name, with the `__Host-` prefix behind TLS.
pub fn cookie_name(tls: bool) -> &'static str {
    if tls { "__Host-pi_csrf" } else { "pi_csrf" }
}

/// The token a request's CSRF cookie carries, if the cookie is genuine.
pub fn from_cookie(req: &HttpRequest, app: &App) -> Option<String> {
    let cookie = req.cookie(cookie_name(app.config.tls))?;
    app.keys.verify(Purpose::Csrf, cookie.value()).map(str::to_owned)
}

/// The token for a page before sign-in: the session's if the browser has one (a person
/// halfway through signing in who starts again), else the cookie's if it has a genuine
/// one, else a new one with the cookie to set.
pub fn for_anonymous_page(req: &HttpRequest, app: &App) -> (String, Option<Cookie<'static>>) {
    if let Some(token) = super::session::stored_csrf_token(&req.get_session()) {
        return (token, None);
    }
    if let Some(token) = from_cookie(req, app) {
        return (token, None);
    }
    let token = random::base62(32);
    let cookie = Cookie::build(cookie_name(app.config.tls), app.keys.sign(Purpose::Csrf, &token))
        .path("/")
        .http_only(true)
        .secure(app.config.tls)
        .same_site(SameSite::Strict)
        .finish();
    (token, Some(cookie))
}
