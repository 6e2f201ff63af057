//! Embedded static assets: content types, hashed URLs, ETags, cache lifetimes.

use crate::support::TestApp;

#[tokio::test]
async fn pages_link_hashed_assets_served_with_long_cache_lifetimes() {
    let app = TestApp::spawn().await;
    let page = app.get("/sign-in").await;
    let html = page.html();
    let css = html
        .select(&scraper::Selector::parse(r#"link[rel="stylesheet"]"#).expect("s"))
        .next()
        .and_then(|link| link.value().attr("href"))
        .expect("stylesheet")
        .to_owned();
    assert!(
        css.starts_with("/static/app.") && css.ends_with(".css") && css.len() > "/static/app.css".len(),
        "{css}"
    );

    let served = app.get(&css).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type"), "text/css; charset=utf-8");
    assert!(
        served.header("cache-control").contains("max-age=31536000"),
        "{}",
        served.header("cache-control")
    );
    assert!(served.header("cache-control").contains("immutable"));
    let etag = served.header("etag").to_owned();
    assert!(!etag.is_empty());

    let revalidated = app
        .client
        .get(format!("{}{css}", app.address))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("GET");
    assert_eq!(revalidated.status(), 304);

    let script = app.get(&crate::support::asset_url(&page, "script", "src")).await;
    assert_eq!(script.header("content-type"), "text/javascript; charset=utf-8");
    let icon = app.get(&crate::support::asset_url(&page, r#"link[rel="icon"]"#, "href")).await;
    assert_eq!(icon.header("content-type"), "image/svg+xml");
}

#[tokio::test]
async fn unhashed_asset_urls_revalidate_and_unknown_ones_are_missing() {
    let app = TestApp::spawn().await;
    let plain = app.get("/static/app.css").await;
    assert_eq!(plain.status, 200);
    assert!(plain.header("cache-control").contains("no-cache"));
    assert_eq!(app.get("/static/nope.css").await.status, 404);
    assert_eq!(app.get("/static/app.00000000.css").await.status, 404);
}

#[tokio::test]
async fn assets_are_served_precompressed_in_the_encoding_the_browser_prefers() {
    let app = TestApp::spawn().await;
    let css = private_integrations::assets::url("app.css");
    let fetch = |encoding: Option<&'static str>| {
        let mut request = app.client.get(format!("{}{css}", app.address));
        if let Some(encoding) = encoding {
            request = request.header("accept-encoding", encoding);
        }
        request.send()
    };
    let plain = fetch(None).await.expect("GET");
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.headers()["vary"], "Accept-Encoding");
    let plain = plain.bytes().await.expect("body");

    let brotli = fetch(Some("gzip, deflate, br")).await.expect("GET");
    assert_eq!(brotli.headers()["content-encoding"], "br");
    let packed = brotli.bytes().await.expect("body");
    assert!(packed.len() < plain.len() / 2, "{} of {}", packed.len(), plain.len());
    let mut unpacked = Vec::new();
    brotli::BrotliDecompress(&mut &packed[..], &mut unpacked).expect("brotli");
    assert_eq!(unpacked, plain);

    let gzip = fetch(Some("gzip, br;q=0")).await.expect("GET");
    assert_eq!(gzip.headers()["content-encoding"], "gzip", "br;q=0 refuses brotli");
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&gzip.bytes().await.expect("body")[..]),
        &mut unpacked,
    )
    .expect("gzip");
    assert_eq!(unpacked, plain);
}
