//! Facts about the calling client.

use actix_web::HttpRequest;

/// The client's IP address as seen by this server (the TCP peer). Forwarding headers
/// are not trusted: a client could forge them to dodge sign-in throttling.
pub fn ip(req: &HttpRequest) -> String {
    req.peer_addr().map_or_else(|| "unknown".to_owned(), |addr| addr.ip().to_string())
}
