//! Verifying a token: every 401 and 403, scopes, tenant containment, token-info, and
//! expiry checked at every request.

use chrono::Duration;

use super::*;

#[tokio::test]
async fn a_valid_token_reads_its_own_location() {
    let (app, world, agency_token, sub_token, _) = world_with_tokens().await;
    let api = Api::new(&app);
    let (status, body) = api.get(&format!("/v2/locations/{}", world.sub_a), Some(&agency_token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["location"]["name"], "Alpha Dental");
    assert_eq!(body["location"]["companyId"], world.agency.to_string());
    let (status, _) = api.get(&format!("/v2/locations/{}", world.sub_a), Some(&sub_token)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn api_answers_are_never_stored_by_caches() {
    let (app, _, agency_token, _, _) = world_with_tokens().await;
    let client = reqwest::Client::new();
    for token in [agency_token.as_str(), "not-a-token"] {
        let response = client
            .get(format!("{}/v2/users/", app.address))
            .bearer_auth(token)
            .header("Version", "2021-07-28")
            .send()
            .await
            .expect("call");
        let cache = response.headers().get("cache-control").and_then(|value| value.to_str().ok());
        assert_eq!(cache, Some("no-store"), "{token}: {}", response.status());
    }
    let introspection =
        client.post(format!("{}/oauth/introspect", app.address)).form(&[("token", "x")]).send().await;
    let cache = introspection.expect("introspect").headers().get("cache-control").cloned();
    assert_eq!(cache.as_ref().and_then(|value| value.to_str().ok()), Some("no-store"));
}

#[tokio::test]
async fn bad_tokens_are_401_with_a_json_error() {
    let (app, _, agency_token, _, _) = world_with_tokens().await;
    let api = Api::new(&app);
    let mut flipped = agency_token.clone().into_bytes();
    flipped[10] = if flipped[10] == b'a' { b'b' } else { b'a' };
    let flipped = String::from_utf8(flipped).expect("ascii");
    let unknown = crate::support::new_token().expose().to_owned();
    let cases = [
        (None, "An Authorization header with a Bearer token is required"),
        (Some("not-a-token"), "The token is malformed"),
        (Some(flipped.as_str()), "The token is malformed"),
        (Some(unknown.as_str()), "The token is invalid, revoked or expired"),
    ];
    for (token, message) in cases {
        let (status, body) = api.get("/v2/oauth/token-info", token).await;
        assert_eq!(status, 401, "{token:?}");
        assert_eq!(body, serde_json::json!({ "statusCode": 401, "message": message }), "{token:?}");
    }
}

#[tokio::test]
async fn revoked_expired_and_deleted_tokens_are_401() {
    let (app, _, agency_token, _, narrow_token) = world_with_tokens().await;
    let api = Api::new(&app);
    let list = app.get(AGENCY).await;
    let links = list.texts("td.cell-name a");
    assert_eq!(links, ["HQ sync", "Narrow"]);
    let href = |name: &str| {
        list.html()
            .select(&scraper::Selector::parse("td.cell-name a").expect("s"))
            .find(|a| a.text().collect::<String>() == name)
            .and_then(|a| a.value().attr("href").map(str::to_owned))
            .expect("link")
    };
    let (hq, narrow) = (href("HQ sync"), href("Narrow"));

    // Rotate later: the old token works until the overlap ends, then 401.
    app.get(&format!("{hq}/rotate-later")).await;
    app.post_form(&format!("{hq}/rotate-later"), &[]).await;
    assert_eq!(api.get("/v2/oauth/token-info", Some(&agency_token)).await.0, 200);
    app.clock.advance(Duration::days(7));
    assert_eq!(api.get("/v2/oauth/token-info", Some(&agency_token)).await.0, 401, "expired");

    // Delete: every token stops at once.
    app.sign_in(people::OWNER, PASSWORD).await;
    app.get(&format!("{narrow}/delete")).await;
    app.post_form(&format!("{narrow}/delete"), &[]).await;
    assert_eq!(api.get("/v2/oauth/token-info", Some(&narrow_token)).await.0, 401, "integration deleted");
}

#[tokio::test]
async fn rotate_now_revokes_at_once() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (detail, token) = create_integration(&app, AGENCY, "CRM", &["users.readonly"]).await;
    let api = Api::new(&app);
    assert_eq!(api.get("/v2/users/", Some(&token)).await.0, 200);
    app.get(&format!("{detail}/rotate-now")).await;
    app.post_form(&format!("{detail}/rotate-now"), &[]).await;
    assert_eq!(api.get("/v2/users/", Some(&token)).await.0, 401, "revoked");
}

#[tokio::test]
async fn each_endpoint_needs_its_scope() {
    let (app, world, agency_token, _, narrow_token) = world_with_tokens().await;
    let api = Api::new(&app);
    let endpoints = [
        (format!("/v2/companies/{}", world.agency), "companies.readonly"),
        (format!("/v2/locations/{}", world.sub_a), "locations.readonly"),
        ("/v2/locations/search".to_owned(), "locations.readonly"),
        ("/v2/users/".to_owned(), "users.readonly"),
        (format!("/v2/users/{}", world.owner), "users.readonly"),
    ];
    for (path, scope) in endpoints {
        let (status, _) = api.get(&path, Some(&agency_token)).await;
        assert_eq!(status, 200, "{path} with every scope");
        let (status, body) = api.get(&path, Some(&narrow_token)).await;
        let expected = if scope == "users.readonly" { 200 } else { 403 };
        assert_eq!(status, expected, "{path} with only users.readonly");
        if expected == 403 {
            assert_eq!(
                body["message"],
                format!("The token is not authorized for this scope: this endpoint needs {scope}"),
                "the refusal names the scope to ask for"
            );
        }
    }
}

#[tokio::test]
async fn tokens_stay_inside_their_agency_or_sub_account() {
    let (app, world, agency_token, sub_token, _) = world_with_tokens().await;
    let api = Api::new(&app);
    let (status, body) = api.get(&format!("/v2/locations/{}", world.sub_b), Some(&sub_token)).await;
    assert_eq!(status, 403);
    assert_eq!(body["message"], "The token does not have access to this location");

    let (_, found) = api.get("/v2/locations/search", Some(&sub_token)).await;
    assert_eq!(
        found["locations"].as_array().map(Vec::len),
        Some(1),
        "a sub-account token sees only its sub-account"
    );
    let (_, found) = api.get("/v2/locations/search", Some(&agency_token)).await;
    assert_eq!(found["locations"].as_array().map(Vec::len), Some(2));

    let (_, users) = api.get("/v2/users/", Some(&sub_token)).await;
    let emails: Vec<&str> =
        users["users"].as_array().expect("users").iter().filter_map(|u| u["email"].as_str()).collect();
    assert_eq!(emails, [people::ADMIN_A, people::USER_A]);
    assert_eq!(api.get(&format!("/v2/users/{}", world.owner), Some(&sub_token)).await.0, 403);

    // Another agency's objects are out of reach of this agency's token.
    let other_agency: private_integrations::domain::ids::AgencyId = {
        use diesel::prelude::*;
        use private_integrations::db::schema::users;
        users::table
            .filter(users::email.eq(people::OTHER_OWNER))
            .select(users::agency_id)
            .first(&mut app.conn())
            .expect("other")
    };
    assert_eq!(api.get(&format!("/v2/companies/{other_agency}"), Some(&agency_token)).await.0, 403);
}

#[tokio::test]
async fn token_info_describes_the_calling_token() {
    let (app, world, _, sub_token, _) = world_with_tokens().await;
    let (status, body) = Api::new(&app).get("/v2/oauth/token-info", Some(&sub_token)).await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "Dental CRM");
    assert_eq!(body["owner"]["type"], "sub-account");
    assert_eq!(body["owner"]["id"], world.sub_a.to_string());
    assert_eq!(body["scopes"], serde_json::json!(["locations.readonly", "users.readonly"]));
    assert_eq!(body["expiresAt"], serde_json::Value::Null);
}

#[tokio::test]
async fn expiry_is_checked_at_every_request_even_from_the_cache() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (detail, old) = create_integration(&app, AGENCY, "CRM", &["users.readonly"]).await;
    app.get(&format!("{detail}/rotate-later")).await;
    app.post_form(&format!("{detail}/rotate-later"), &[]).await;
    let api = Api::new(&app);
    assert_eq!(api.get("/v2/users/", Some(&old)).await.0, 200, "cached now");
    app.clock.advance(Duration::days(7) - Duration::seconds(1));
    assert_eq!(api.get("/v2/users/", Some(&old)).await.0, 200);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(
        api.get("/v2/users/", Some(&old)).await.0,
        401,
        "expired at that instant, no notification needed"
    );
}
