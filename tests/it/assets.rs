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
