//! Rate limits: announced on every answer, enforced per integration and per owner,
//! shared through Redis across instances.

use chrono::Duration;

use super::*;

#[tokio::test]
async fn rate_limits_are_announced_enforced_and_survive_a_rotation() {
    let app = TestApp::spawn_with(crate::support::Options {
        env: vec![("RATE_LIMIT_BURST", "3".to_owned()), ("RATE_LIMIT_DAILY", "7".to_owned())],
        database: None,
        database_url: None,
    })
    .await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (detail, token) = create_integration(&app, AGENCY, "CRM", &["users.readonly"]).await;

    let mut remaining = Vec::new();
    for _ in 0..3 {
        let (status, headers) = get_with_headers(&app, "/v2/users/", &token).await;
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "x-ratelimit-max"), "3");
        assert_eq!(header(&headers, "x-ratelimit-interval-milliseconds"), "10000");
        assert_eq!(header(&headers, "x-ratelimit-limit-daily"), "7");
        remaining.push(header(&headers, "x-ratelimit-remaining"));
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let (status, headers) = get_with_headers(&app, "/v2/oauth/token-info", &token).await;
    assert_eq!(status, 429);
    assert_eq!(header(&headers, "retry-after"), "10", "until the oldest request leaves the window");
    assert_eq!(header(&headers, "x-ratelimit-daily-remaining"), "4", "a refused request does not count");

    // The burst counter belongs to the integration: a new token does not reset it.
    app.get(&format!("{detail}/rotate-now")).await;
    let reveal = app.follow(app.post_form(&format!("{detail}/rotate-now"), &[]).await).await;
    let new_token = crate::support::revealed_token(&reveal).expect("new token");
    assert_eq!(get_with_headers(&app, "/v2/users/", &new_token).await.0, 429);

    app.clock.advance(Duration::seconds(10));
    let (status, headers) = get_with_headers(&app, "/v2/users/", &new_token).await;
    assert_eq!(status, 200, "the first requests left the window");
    assert_eq!(header(&headers, "x-ratelimit-daily-remaining"), "3");

    // The daily limit is shared by every integration of the agency.
    let (_, other) = create_integration(&app, AGENCY, "Other", &["users.readonly"]).await;
    for _ in 0..3 {
        assert_eq!(get_with_headers(&app, "/v2/users/", &other).await.0, 200);
    }
    let (status, headers) = get_with_headers(&app, "/v2/users/", &other).await;
    assert_eq!(status, 429, "seven requests today");
    assert!(header(&headers, "retry-after").parse::<u64>().expect("seconds") > 0, "until midnight UTC");
}

#[tokio::test]
async fn with_redis_several_instances_enforce_one_limit() {
    let redis = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let env = vec![("RATE_LIMIT_BURST", "3".to_owned()), ("REDIS_URL", redis.clone())];
    let first =
        TestApp::spawn_with(crate::support::Options { env: env.clone(), database: None, database_url: None })
            .await;
    seed(&mut first.conn());
    let second = TestApp::spawn_with(crate::support::Options {
        env,
        database: None,
        database_url: Some(first.db.url()),
    })
    .await;
    first.sign_in(people::OWNER, PASSWORD).await;
    let (_, token) = create_integration(&first, AGENCY, "CRM", &["users.readonly"]).await;
    assert_eq!(get_with_headers(&first, "/v2/users/", &token).await.0, 200);
    assert_eq!(get_with_headers(&second, "/v2/users/", &token).await.0, 200);
    let (status, headers) = get_with_headers(&first, "/v2/users/", &token).await;
    assert_eq!((status, header(&headers, "x-ratelimit-remaining")), (200, "0".to_owned()));
    assert_eq!(get_with_headers(&second, "/v2/users/", &token).await.0, 429, "the count is shared");
}

#[tokio::test]
async fn an_unreachable_redis_stops_the_start_with_a_clear_error() {
    let db = crate::support::TestDatabase::new();
    let url = db.url();
    let config = private_integrations::config::Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.clone()),
        "BIND" => Some("127.0.0.1:0".to_owned()),
        "REDIS_URL" => Some("redis://127.0.0.1:1".to_owned()),
        _ => None,
    })
    .expect("config");
    let clock = std::sync::Arc::new(private_integrations::clock::ManualClock::new(chrono::Utc::now()));
    let error =
        private_integrations::startup::Application::build(config, clock).await.err().expect("refused");
    assert!(error.to_string().contains("cannot reach Redis at REDIS_URL"), "{error}");
}
