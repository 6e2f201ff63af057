//! Pages in gzip for browsers that accept it, compressed in one call at gzip's fastest
//! level once the page is rendered. (actix-web's `Compress` middleware streams a body
//! through its encoder in chunks handed to the blocking pool: 17 ms for the list of 200
//! integrations, against about 1 ms here; `benches/run` measures both.)
//!
//! A response that already says how it is encoded is left alone: pages that show a secret
//! set `Content-Encoding: identity` (see [`super::pages::secret`]), so that their length
//! cannot leak the secret (BREACH).

use std::io::Write as _;

use actix_web::HttpMessage as _;
use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, AcceptEncoding, Encoding, HeaderValue};
use actix_web::middleware::Next;

/// Compresses HTML answers when the request accepts gzip.
pub async fn gzip_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let accepts_gzip = req
        .get_header::<AcceptEncoding>()
        .and_then(|accepted| accepted.negotiate([Encoding::gzip(), Encoding::identity()].iter()))
        == Some(Encoding::gzip());
    let mut response = next.call(req).await?;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if !is_html {
        return Ok(response.map_into_boxed_body());
    }
    response.headers_mut().append(header::VARY, HeaderValue::from_static("accept-encoding"));
    if !accepts_gzip || response.headers().contains_key(header::CONTENT_ENCODING) {
        return Ok(response.map_into_boxed_body());
    }
    let (request, response) = response.into_parts();
    let (mut head, page) = response.into_parts();
    // A rendered page is already one buffer; `to_bytes` would copy it chunk by chunk into
    // a new one grown from 32 KB (the list page: 226 KB copied, reallocated three times).
    let page = match page.try_into_bytes() {
        Ok(page) => page,
        Err(page) => body::to_bytes(page)
            .await
            .map_err(|error| actix_web::error::ErrorInternalServerError(error.into()))?,
    };
    let mut encoder =
        flate2::write::GzEncoder::new(Vec::with_capacity(page.len() / 4), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    let packed = encoder.write_all(&page).and_then(|()| encoder.finish()).unwrap_or_default();
    head.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    Ok(ServiceResponse::new(request, head.set_body(BoxBody::new(packed))))
}
