//! Last use in batches, graceful shutdown, the OpenAPI document and metrics.

use super::*;

#[tokio::test]
async fn last_use_is_recorded_in_batches_and_shown() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (detail, token) = create_integration(&app, AGENCY, "CRM", &["users.readonly"]).await;
    Api::new(&app).get("/v2/users/", Some(&token)).await;
    assert!(app.get(AGENCY).await.text("tbody tr").contains("Never used"), "nothing written per request");
    let written = app.state().usage.flush(app.state()).await.expect("flush");
    assert_eq!(written, 3, "a last use, a count and an address");
    let row = app.get(&detail).await.text("section[aria-labelledby=tokens-heading] tbody tr");
    assert!(row.contains("Mar 1, 2026, 09:00 UTC from 127.0.0.1"), "{row}");
    assert!(app.get(AGENCY).await.text("tbody tr").contains("from 127.0.0.1"));
}

#[tokio::test]
async fn graceful_shutdown_writes_the_pending_usage() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (detail, token) = create_integration(&app, AGENCY, "CRM", &["users.readonly"]).await;

    // A second instance on the same database, which we stop ourselves.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let url = app.db.url();
    let config = private_integrations::config::Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.clone()),
        "WORKERS" => Some("1".to_owned()),
        _ => None,
    })
    .expect("config");
    // The same clock as the first instance: its sweeper must agree on what is stale.
    let clock = app.clock.clone();
    let instance = private_integrations::startup::Application::build_with_listener(config, clock, listener)
        .await
        .expect("starts");
    let handle = instance.handle();
    let running = tokio::spawn(instance.run_until_stopped());
    let status = reqwest::Client::new()
        .get(format!("{address}/v2/users/"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("call")
        .status();
    assert_eq!(status, 200);
    handle.stop(true).await;
    running.await.expect("joined").expect("served");
    let page = app.get(&detail).await;
    let row = page.text("section[aria-labelledby=tokens-heading] tbody tr");
    assert!(row.contains("from 127.0.0.1"), "{row}");
    assert_eq!(page.texts(".usage-totals dd"), ["1", "1", "1"], "the call is counted too");
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint() {
    let app = TestApp::spawn().await;
    let document: serde_json::Value =
        reqwest::get(format!("{}/openapi.json", app.address)).await.expect("get").json().await.expect("json");
    assert!(document["openapi"].as_str().expect("version").starts_with("3."));
    let mut operations: Vec<String> = document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object().expect("item").keys().map(move |method| format!("{method} {path}"))
        })
        .collect();
    operations.sort();
    assert_eq!(
        operations,
        [
            "delete /v2/contacts/{contactId}",
            "delete /v2/contacts/{contactId}/tags",
            "delete /v2/locations/{locationId}",
            "delete /v2/users/{userId}",
            "get /v2/companies/{companyId}",
            "get /v2/contacts/",
            "get /v2/contacts/search/duplicate",
            "get /v2/contacts/{contactId}",
            "get /v2/health",
            "get /v2/locations/search",
            "get /v2/locations/{locationId}",
            "get /v2/oauth/token-info",
            "get /v2/users/",
            "get /v2/users/search",
            "get /v2/users/{userId}",
            "post /oauth/introspect",
            "post /v2/contacts/",
            "post /v2/contacts/search",
            "post /v2/contacts/upsert",
            "post /v2/contacts/{contactId}/tags",
            "post /v2/locations/",
            "post /v2/users/",
            "post /v2/users/search/filter-by-email",
            "put /v2/contacts/{contactId}",
            "put /v2/locations/{locationId}",
            "put /v2/users/{userId}",
        ]
    );
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let location = &document["paths"]["/v2/locations/{locationId}"]["get"];
    assert!(location["description"].as_str().expect("description").contains("locations.readonly"));
    assert!(document["components"]["schemas"]["ErrorBody"].is_object());
    for (path, method) in [("/v2/contacts/", "get"), ("/v2/contacts/search/duplicate", "get")] {
        let parameters = document["paths"][path][method]["parameters"].as_array().expect("parameters");
        let location =
            parameters.iter().find(|parameter| parameter["name"] == "locationId").expect("locationId");
        assert_eq!(location["required"], true, "{method} {path}: {location}");
    }
}

#[tokio::test]
async fn metrics_count_responses_verifications_cache_hits_and_refusals() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (_, token) = create_integration(&app, AGENCY, "CRM", &["users.readonly"]).await;
    let api = Api::new(&app);
    api.get("/v2/users/", Some(&token)).await;
    api.get("/v2/users/", Some(&token)).await;
    api.get("/v2/users/", Some("pit-0000000000000000000000000000000000000000000000")).await;
    let unknown = crate::support::new_token().expose().to_owned();
    api.get("/v2/users/", Some(&unknown)).await;
    // The unknown digest is cached too: the second attempt needs no lookup.
    api.get("/v2/users/", Some(&unknown)).await;
    let response = reqwest::get(format!("{}/metrics", app.address)).await.expect("metrics");
    assert!(
        response.headers()["content-type"].to_str().expect("type").starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.expect("body");
    for line in [
        "pi_token_verifications_total{result=\"accepted\"} 2",
        "pi_token_verifications_total{result=\"rejected\"} 2",
        "pi_token_cache_lookups_total{result=\"hit\"} 2",
        "pi_token_cache_lookups_total{result=\"miss\"} 2",
        "pi_rate_limited_total 0",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
    }
    assert!(text.contains("pi_http_responses_total{class=\"2xx\"}"));
}

/// Member paths (`/{locationId}`, `/{contactId}/tags`) are matched by hand, not by the
/// router: they must answer exactly as the router's patterns did.
#[tokio::test]
async fn member_paths_answer_as_the_routers_patterns_did() {
    let (app, world, agency_token, _, _) = world_with_tokens().await;
    let api = Api::new(&app);
    let (status, body) = api.get(&format!("/v2/locations/{}", world.sub_a), Some(&agency_token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["location"]["id"], world.sub_a.to_string());
    let (status, body) = api.get(&format!("/v2/companies/{}", world.agency), Some(&agency_token)).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api.get("/v2/locations/search", Some(&agency_token)).await;
    assert_eq!(status, 200, "a fixed path is not taken for an id: {body}");

    let not_found = serde_json::json!({ "statusCode": 404, "message": "Not found" });
    for path in [
        format!("/v2/locations/{}/", world.sub_a),
        format!("/v2/locations/{}/extra", world.sub_a),
        format!("/v2/locations/{}/tags", world.sub_a),
        "/v2/locations//".to_owned(),
        "/v2/locations//tags".to_owned(),
        format!("/v2/contacts/{}/tags/more", uuid::Uuid::new_v4()),
    ] {
        assert_eq!(api.get(&path, Some(&agency_token)).await, (404, not_found.clone()), "{path}");
    }

    for (method, path, allow) in [
        (reqwest::Method::PATCH, format!("/v2/locations/{}", world.sub_a), "GET, PUT, DELETE"),
        (reqwest::Method::GET, format!("/v2/contacts/{}/tags", uuid::Uuid::new_v4()), "POST, DELETE"),
        (reqwest::Method::POST, format!("/v2/users/{}", uuid::Uuid::new_v4()), "GET, PUT, DELETE"),
    ] {
        let answer = reqwest::Client::new()
            .request(method.clone(), format!("{}{path}", app.address))
            .bearer_auth(&agency_token)
            .send()
            .await
            .expect("call");
        assert_eq!(answer.status().as_u16(), 405, "{method} {path}");
        assert_eq!(header(answer.headers(), "allow"), allow, "{method} {path}");
        assert_eq!(header(answer.headers(), "cache-control"), "no-store", "{method} {path}");
    }
}
