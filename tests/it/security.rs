//! CSRF protection, security headers and body limits.

use crate::support::{Options, PASSWORD, TestApp, people, seed};

#[tokio::test]
async fn a_form_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.get("/sign-in").await;
    let origin = Some(app.address.as_str());
    let missing = app.post_raw("/sign-in", &[("email", people::OWNER), ("password", PASSWORD)], origin).await;
    assert_eq!(missing.status, 403);
    assert!(missing.text("main").contains("This form has expired or was sent from another site"));
    let wrong = app
        .post_raw(
            "/sign-in",
            &[("csrf_token", "forged"), ("email", people::OWNER), ("password", PASSWORD)],
            origin,
        )
        .await;
    assert_eq!(wrong.status, 403);
    assert_eq!(app.get("/settings").await.location(), "/sign-in", "not signed in");
}

#[tokio::test]
async fn a_form_from_another_origin_is_refused_even_with_the_token() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.get("/sign-in").await;
    let token = app.csrf().expect("token");
    let fields = [("csrf_token", token.as_str()), ("email", people::OWNER), ("password", PASSWORD)];
    assert_eq!(app.post_raw("/sign-in", &fields, Some("https://evil.example")).await.status, 403);
    assert_eq!(app.post_raw("/sign-in", &fields, None).await.status, 403, "no Origin and no Referer");
    assert_eq!(app.post_raw("/sign-in", &fields, Some(&app.address)).await.status, 303);
}

/// Posts the sign-in form with `Origin: https://pi.example` and forwarding headers that
/// claim the request was addressed to that origin.
async fn post_claiming_to_be_addressed_to_pi_example(app: &TestApp) -> u16 {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page =
        client.get(format!("{}/sign-in", app.address)).send().await.expect("get").text().await.expect("body");
    let token = crate::support::csrf_in_page(&page).expect("token");
    client
        .post(format!("{}/sign-in", app.address))
        .header("Origin", "https://pi.example")
        .header("X-Forwarded-Host", "pi.example")
        .header("X-Forwarded-Proto", "https")
        .form(&[("csrf_token", token.as_str()), ("email", people::OWNER), ("password", PASSWORD)])
        .send()
        .await
        .expect("post")
        .status()
        .as_u16()
}

#[tokio::test]
async fn forwarding_headers_name_our_origin_only_when_a_trusted_proxy_sends_them() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    assert_eq!(post_claiming_to_be_addressed_to_pi_example(&app).await, 403, "anyone may send such headers");

    let behind = TestApp::spawn_with(Options {
        env: vec![("TRUSTED_PROXIES", "127.0.0.1/32".to_owned())],
        database: None,
        database_url: None,
    })
    .await;
    seed(&mut behind.conn());
    assert_eq!(
        post_claiming_to_be_addressed_to_pi_example(&behind).await,
        303,
        "the proxy says where it was sent"
    );
}

#[tokio::test]
async fn the_csrf_token_of_one_session_does_not_work_in_another() {
    let mut app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let token = app.csrf().expect("token");
    app.forget_cookies();
    app.get("/sign-in").await;
    let page = app
        .post_raw(
            "/sign-in",
            &[("csrf_token", &token), ("email", people::OWNER), ("password", PASSWORD)],
            Some(&app.address),
        )
        .await;
    assert_eq!(page.status, 403);
}

#[tokio::test]
async fn sign_out_needs_the_csrf_token() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let page = app.post_raw("/sign-out", &[], Some(&app.address)).await;
    assert_eq!(page.status, 403);
    assert_eq!(app.get("/settings").await.location(), "/settings/team", "still signed in");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/sign-in", "/healthz", "/no-such-page", "/static/app.css"] {
        let page = app.get(path).await;
        let csp = page.header("content-security-policy");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(page.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(page.header("referrer-policy"), "same-origin", "{path}");
        assert_eq!(page.header("x-frame-options"), "DENY", "{path}");
    }
}

#[tokio::test]
async fn pages_contain_no_inline_script_or_style() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    let mut pages = vec![app.get("/sign-in").await, app.get("/no-such-page").await];
    pages.push(app.sign_in(people::OWNER, PASSWORD).await);
    for page in pages {
        let html = page.html();
        for script in html.select(&scraper::Selector::parse("script").expect("s")) {
            assert!(script.value().attr("src").is_some(), "inline script in {}", page.body);
        }
        assert!(html.select(&scraper::Selector::parse("style, [style]").expect("s")).next().is_none());
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = TestApp::spawn().await;
    app.get("/sign-in").await;
    let huge = "x".repeat(100 * 1024);
    let page = app.post_form("/sign-in", &[("email", &huge), ("password", "x")]).await;
    assert_eq!(page.status, 413);
    assert_eq!(page.text("h1"), "Too much data");
}

#[tokio::test]
async fn tls_deployments_use_secure_host_prefixed_cookies_and_hsts() {
    let app = TestApp::spawn_with(crate::support::Options {
        env: vec![("PUBLIC_URL", "https://pi.example.com".to_owned())],
        database: None,
        database_url: None,
    })
    .await;
    seed(&mut app.conn());
    let page = app.get("/sign-in").await;
    assert!(page.header("strict-transport-security").starts_with("max-age="));
    let csrf_cookie = page.cookie("__Host-pi_csrf").expect("the CSRF cookie").to_owned();
    let cookie = csrf_cookie.as_str();
    assert!(cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    // The test client speaks plain HTTP, so it does not send Secure cookies back by itself.
    let csrf = crate::support::csrf_in_page(&page.body).expect("csrf");
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{}/sign-in", app.address))
        .header("cookie", csrf_cookie.split(';').next().unwrap_or(""))
        .header("origin", "https://pi.example.com")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", crate::support::people::OWNER),
            ("password", crate::support::PASSWORD),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), 303);
    let cookies: Vec<&str> =
        response.headers().get_all("set-cookie").iter().filter_map(|value| value.to_str().ok()).collect();
    for name in ["__Host-pi_session=", "__Host-pi_device="] {
        let cookie = cookies
            .iter()
            .find(|line| line.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {cookies:?}"));
        assert!(
            cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"),
            "{cookie}"
        );
        assert!(cookie.contains("HttpOnly"), "{cookie}");
    }
}

#[tokio::test]
async fn a_setup_link_expires_after_a_day_and_a_wrong_one_costs_no_hashing() {
    let app = TestApp::spawn().await;
    let link = app.setup_link.clone().expect("an empty installation prints a setup link");
    let path = link.trim_start_matches(&app.address).to_owned();
    let fields = [
        ("agency_name", "Acme"),
        ("name", "Ann"),
        ("email", "ann@acme.test"),
        ("password", "long enough password"),
        ("password_confirmation", "long enough password"),
    ];
    app.get(&path).await;
    let hashes = app.state().passwords.hashes();
    let wrong = app.post_form("/setup/not-the-token-at-all-00000000000", &fields).await;
    assert_eq!(wrong.status, 404);
    assert_eq!(app.state().passwords.hashes(), hashes, "the link is checked before any hashing");

    app.clock.advance(chrono::Duration::hours(24) + chrono::Duration::seconds(1));
    assert_eq!(app.get(&path).await.status, 404, "a day later the link is dead");
    let late = app.post_form(&path, &fields).await;
    assert_eq!(late.status, 404);
    assert!(!private_integrations::db::agencies::any_exists(&mut app.conn()).expect("query"));
}

#[tokio::test]
async fn an_address_presenting_bad_tokens_is_refused_before_any_lookup_for_a_minute() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (_, token) = crate::support::create_integration(
        &app,
        "/settings/private-integrations",
        "CRM",
        &["users.readonly"],
    )
    .await;
    let api = reqwest::Client::new();
    let call = |token: String| {
        let api = api.clone();
        let url = format!("{}/v2/users/", app.address);
        async move { api.get(url).bearer_auth(token).send().await.expect("call") }
    };
    for _ in 0..private_integrations::app::tokens::MAX_FAILURES_PER_ADDRESS {
        let guess = crate::support::new_token().expose().to_owned();
        assert_eq!(call(guess).await.status(), 401);
    }
    let refused = call(token.clone()).await;
    assert_eq!(refused.status(), 429, "even a good token, from this address, for now");
    assert!(
        refused.headers()["retry-after"].to_str().expect("seconds").parse::<u64>().expect("number") <= 60
    );
    let body: serde_json::Value = refused.json().await.expect("json");
    assert_eq!(body["statusCode"], 429);
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(call(token).await.status(), 200, "the next minute it works again");
}

#[tokio::test]
async fn rotating_the_secret_key_invalidates_no_token_and_no_session() {
    let db = crate::support::TestDatabase::new();
    seed(&mut db.conn());
    let old_key = "the old secret key that is long enough to be accepted";
    let first = TestApp::spawn_with(crate::support::Options {
        env: vec![("SECRET_KEY", old_key.to_owned())],
        database: Some(db),
        database_url: None,
    })
    .await;
    first.sign_in(people::OWNER, PASSWORD).await;
    let (_, token) = crate::support::create_integration(
        &first,
        "/settings/private-integrations",
        "CRM",
        &["users.readonly"],
    )
    .await;
    let rotated = TestApp::spawn_with(crate::support::Options {
        env: vec![
            ("SECRET_KEY", "the new secret key, just as long as the old one".to_owned()),
            ("PREVIOUS_SECRET_KEYS", old_key.to_owned()),
        ],
        database: None,
        database_url: Some(first.db.url()),
    })
    .await;
    let response = reqwest::Client::new()
        .get(format!("{}/v2/users/", rotated.address))
        .bearer_auth(&token)
        .send()
        .await
        .expect("call");
    assert_eq!(response.status(), 200, "the token still works under the new key");
    let secret = private_integrations::domain::token::TokenSecret::parse(&token).expect("token");
    let stored = private_integrations::db::integrations::find_by_digest(
        &mut first.conn(),
        &rotated.state_digest(&secret),
    )
    .expect("query");
    assert!(stored.is_some(), "its digest was rewritten under the new key");
    let browser = first.browser.towards(&rotated.address);
    assert_eq!(browser.get("/settings/team").await.status, 200, "the session too survives");
}

#[tokio::test]
async fn pages_showing_people_or_history_are_never_stored() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    for path in ["/settings/team", "/settings/audit-log", "/settings/private-integrations"] {
        let page = app.get(path).await;
        assert!(
            page.header("cache-control").contains("no-store"),
            "{path}: {}",
            page.header("cache-control")
        );
    }
}
