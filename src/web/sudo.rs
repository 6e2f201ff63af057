//! Sudo mode (SPEC §8): creating an integration, editing its scopes, every rotation
//! action, deleting, changing Roles & Permissions, turning two-factor off and the agency
//! policy ask the person to confirm access (their password, or their code with
//! two-factor on) unless they did in the last `SUDO_MINUTES`. The confirmation is bound to
//! the session: it ends at sign-out.

use actix_session::SessionExt as _;
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use std::future::{Ready, ready};

use super::current::app_of;
use super::error::{WebError, WebResult};
use super::session::SessionExtras as _;

/// Proof that the session confirmed access recently; a handler that takes it runs only then.
/// Otherwise the person is sent to **Confirm access** and back here: the page itself for a
/// GET; for a form, the page it was sent from.
#[derive(Debug, Clone, Copy)]
pub struct Sudo;

impl FromRequest for Sudo {
    type Error = WebError;
    type Future = Ready<Result<Self, WebError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(require(req).map(|()| Self))
    }
}

/// Fails with [`WebError::SudoRequired`] unless the session confirmed access recently.
pub fn require(req: &HttpRequest) -> WebResult<()> {
    let app = app_of(req)?;
    let until = req.get_session().sudo_until();
    if until.is_some_and(|until| app.clock.now() < until) {
        return Ok(());
    }
    Err(WebError::SudoRequired(back_to(req)))
}

/// Where to come back after confirming: this page for a GET, else the same-site page the
/// form was sent from.
fn back_to(req: &HttpRequest) -> String {
    if req.method() == actix_web::http::Method::GET {
        return req.uri().path_and_query().map_or("/settings", |path| path.as_str()).to_owned();
    }
    req.headers()
        .get(actix_web::http::header::REFERER)
        .and_then(|value| value.to_str().ok())
        .and_then(|referer| url::Url::parse(referer).ok())
        .map(|url| match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        })
        .filter(|path| safe_return(path))
        .unwrap_or_else(|| "/settings".to_owned())
}

/// Whether `path` is a place on this site to return to: a local absolute path, never
/// another origin (`//evil.example`, `/\evil.example`). A browser drops tabs and line
/// breaks from a URL before reading it and takes `\` for `/`, so `/<TAB>/evil.example`
/// would be `//evil.example`: a path with any control character or whitespace is refused
/// (this site's own paths carry them percent-encoded).
pub fn safe_return(path: &str) -> bool {
    let mut chars = path.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !path.chars().any(|c| c.is_control() || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::safe_return;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert!(safe_return("/settings/private-integrations/new"));
        assert!(safe_return("/locations/1/settings?x=1"));
        assert!(safe_return("/"));
        for unsafe_path in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "settings",
            "",
            "/a\r\nb",
            // Browsers drop tabs and line breaks wherever they are: each is `//evil.example`.
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\\evil.example",
            " //evil.example",
            "/\u{0}/evil.example",
            "/ /evil.example",
            "/\u{a0}/evil.example",
        ] {
            assert!(!safe_return(unsafe_path), "{unsafe_path:?}");
        }
    }
}
