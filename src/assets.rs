//! Static assets (CSS, JavaScript, icons), embedded in the binary with rust-embed and
//! served under content-hashed URLs (`/static/app.3f9c2a1b.css`) with a year-long,
//! immutable cache lifetime; a new build changes the hash, so browsers never hold stale
//! files. Unhashed URLs are served too, revalidated with the ETag.
//!
//! Text assets are compressed once per process, at the first request for any asset, with
//! brotli (best quality) and gzip (best level), and served in whichever encoding the
//! browser accepts, preferring brotli: no request pays for compression.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::LazyLock;

use actix_web::http::header::{
    self, AcceptEncoding, CacheControl, CacheDirective, ContentEncoding, Encoding, EntityTag,
};
use actix_web::web::Bytes;
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Files;

/// One embedded file as served: its bytes in each encoding worth having.
struct Asset {
    content_type: &'static str,
    etag: EntityTag,
    identity: Bytes,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
}

/// Every embedded file under its name, and its hashed name mapped to its name.
struct Manifest {
    assets: HashMap<String, Asset>,
    hashed: HashMap<String, String>,
    original: HashMap<String, String>,
}

static MANIFEST: LazyLock<Manifest> = LazyLock::new(|| {
    let mut manifest = Manifest { assets: HashMap::new(), hashed: HashMap::new(), original: HashMap::new() };
    for name in Files::iter() {
        let Some(file) = Files::get(&name) else { continue };
        let hash = hex8(&file.metadata.sha256_hash());
        let with_hash = match name.rsplit_once('.') {
            Some((stem, extension)) => format!("{stem}.{hash}.{extension}"),
            None => format!("{name}.{hash}"),
        };
        let content_type = content_type(&name);
        let identity = match file.data {
            std::borrow::Cow::Borrowed(bytes) => Bytes::from_static(bytes),
            std::borrow::Cow::Owned(bytes) => Bytes::from(bytes),
        };
        let compressible = content_type.starts_with("text/") || content_type.starts_with("image/svg");
        let asset = Asset {
            content_type,
            etag: EntityTag::new_strong(hash),
            brotli: compressible.then(|| brotli(&identity)).filter(|packed| packed.len() < identity.len()),
            gzip: compressible.then(|| gzip(&identity)).filter(|packed| packed.len() < identity.len()),
            identity,
        };
        manifest.assets.insert(name.to_string(), asset);
        manifest.hashed.insert(name.to_string(), with_hash.clone());
        manifest.original.insert(with_hash, name.to_string());
    }
    manifest
});

fn brotli(data: &[u8]) -> Bytes {
    let mut packed = Vec::new();
    let mut params = ::brotli::enc::BrotliEncoderParams { quality: 11, ..Default::default() };
    params.size_hint = data.len();
    // Writing into a Vec cannot fail.
    let _ = ::brotli::BrotliCompress(&mut &data[..], &mut packed, &params);
    Bytes::from(packed)
}

fn gzip(data: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    Bytes::from(encoder.finish().unwrap_or_default())
}

fn hex8(bytes: &[u8]) -> String {
    bytes.iter().take(4).map(|byte| format!("{byte:02x}")).collect()
}

/// Reads and compresses the embedded files now rather than at the first page.
pub fn load() {
    LazyLock::force(&MANIFEST);
}

/// The URL of an embedded file, content-hashed; templates call this.
pub fn url(name: &str) -> String {
    match MANIFEST.hashed.get(name) {
        Some(hashed) => format!("/static/{hashed}"),
        None => format!("/static/{name}"),
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, extension)| extension) {
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// `GET /static/{file}`.
pub async fn serve(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let requested = path.into_inner();
    let (name, immutable) = match MANIFEST.original.get(&requested) {
        Some(original) => (original.as_str(), true),
        None => (requested.as_str(), false),
    };
    let Some(asset) = MANIFEST.assets.get(name) else {
        return HttpResponse::NotFound().finish();
    };
    let cache = if immutable {
        CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(31_536_000),
            CacheDirective::Extension("immutable".into(), None),
        ])
    } else {
        CacheControl(vec![CacheDirective::Public, CacheDirective::NoCache])
    };
    let fresh =
        req.headers().get(header::IF_NONE_MATCH).and_then(|value| value.to_str().ok()).is_some_and(|value| {
            value
                .split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.trim_start_matches("W/").trim_matches('"') == asset.etag.tag())
        });
    if fresh {
        return HttpResponse::NotModified()
            .insert_header(header::ETag(asset.etag.clone()))
            .insert_header(cache)
            .finish();
    }
    // Identity when nothing else is acceptable, even if the browser refused it (`*;q=0`).
    let (encoding, body) = match negotiate(&req, asset) {
        ContentEncoding::Brotli => {
            (ContentEncoding::Brotli, asset.brotli.as_ref().unwrap_or(&asset.identity))
        }
        ContentEncoding::Gzip => (ContentEncoding::Gzip, asset.gzip.as_ref().unwrap_or(&asset.identity)),
        _ => (ContentEncoding::Identity, &asset.identity),
    };
    let mut response = HttpResponse::Ok();
    response
        .content_type(asset.content_type)
        .insert_header(header::ETag(asset.etag.clone()))
        .insert_header(cache)
        .insert_header((header::VARY, "Accept-Encoding"));
    if encoding != ContentEncoding::Identity {
        response.insert_header((header::CONTENT_ENCODING, encoding.as_str()));
    }
    response.body(body.clone())
}

/// The encoding to send `asset` in, by the request's `Accept-Encoding` and its q-values.
fn negotiate(req: &HttpRequest, asset: &Asset) -> ContentEncoding {
    let mut offered = vec![Encoding::identity()];
    if asset.brotli.is_some() {
        offered.push(Encoding::brotli());
    }
    if asset.gzip.is_some() {
        offered.push(Encoding::gzip());
    }
    match req.get_header::<AcceptEncoding>().and_then(|accepted| accepted.negotiate(offered.iter())) {
        Some(Encoding::Known(encoding)) => encoding,
        _ => ContentEncoding::Identity,
    }
}
