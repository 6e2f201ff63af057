//! Static assets (CSS, JavaScript, icons), embedded in the binary with rust-embed and
//! served under content-hashed URLs (`/static/app.3f9c2a1b.css`) with a year-long,
//! immutable cache lifetime; a new build changes the hash, so browsers never hold stale
//! files. Unhashed URLs are served too, revalidated with the ETag.

use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::http::header::{self, CacheControl, CacheDirective, EntityTag};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Files;

/// Every embedded file's name, mapped to its hashed name and the reverse.
struct Manifest {
    hashed: HashMap<String, String>,
    original: HashMap<String, String>,
}

static MANIFEST: LazyLock<Manifest> = LazyLock::new(|| {
    let mut hashed = HashMap::new();
    let mut original = HashMap::new();
    for name in Files::iter() {
        let Some(file) = Files::get(&name) else { continue };
        let hash = hex8(&file.metadata.sha256_hash());
        let with_hash = match name.rsplit_once('.') {
            Some((stem, extension)) => format!("{stem}.{hash}.{extension}"),
            None => format!("{name}.{hash}"),
        };
        hashed.insert(name.to_string(), with_hash.clone());
        original.insert(with_hash, name.to_string());
    }
    Manifest { hashed, original }
});

fn hex8(bytes: &[u8]) -> String {
    bytes.iter().take(4).map(|byte| format!("{byte:02x}")).collect()
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
    let Some(file) = Files::get(name) else {
        return HttpResponse::NotFound().finish();
    };
    let etag = EntityTag::new_strong(hex8(&file.metadata.sha256_hash()));
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
                .any(|tag| tag == "*" || tag.trim_start_matches("W/").trim_matches('"') == etag.tag())
        });
    if fresh {
        return HttpResponse::NotModified().insert_header(header::ETag(etag)).insert_header(cache).finish();
    }
    HttpResponse::Ok()
        .content_type(content_type(name))
        .insert_header(header::ETag(etag))
        .insert_header(cache)
        .body(file.data.into_owned())
}
