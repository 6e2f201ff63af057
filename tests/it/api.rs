//! The token-authenticated API: every 401 and 403, scopes, tenant containment,
//! token-info, and last use recorded in batches.

use chrono::Duration;

use crate::support::{PASSWORD, TestApp, World, create_integration, people, seed};

const AGENCY: &str = "/settings/private-integrations";

struct Api<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
}

impl<'a> Api<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self { app, client: reqwest::Client::new() }
    }

    /// `GET path` with an optional bearer token: (status, JSON body).
    async fn get(&self, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
        let mut request =
            self.client.get(format!("{}{path}", self.app.address)).header("Version", "2021-07-28");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }
}

async fn world_with_tokens() -> (TestApp, World, String, String, String) {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (_, agency_token) = create_integration(
        &app,
        AGENCY,
        "HQ sync",
        &["companies.readonly", "locations.readonly", "users.readonly"],
    )
    .await;
    let sub_base = format!("/locations/{}/settings/private-integrations", world.sub_a);
    let (_, sub_token) =
        create_integration(&app, &sub_base, "Dental CRM", &["locations.readonly", "users.readonly"]).await;
    let (detail, narrow_token) = create_integration(&app, AGENCY, "Narrow", &["users.readonly"]).await;
    let _ = detail;
    (app, world, agency_token, sub_token, narrow_token)
}

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
            assert_eq!(body["message"], "The token is not authorized for this scope");
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
    assert_eq!(found["total"], 1, "a sub-account token sees only its sub-account");
    let (_, found) = api.get("/v2/locations/search", Some(&agency_token)).await;
    assert_eq!(found["total"], 2);

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
async fn last_use_is_recorded_in_batches_and_shown() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (detail, token) = create_integration(&app, AGENCY, "CRM", &["users.readonly"]).await;
    Api::new(&app).get("/v2/users/", Some(&token)).await;
    assert!(app.get(AGENCY).await.text("tbody tr").contains("Never used"), "nothing written per request");
    let written = app.state().usage.flush(app.state()).await.expect("flush");
    assert_eq!(written, 1);
    let row = app.get(&detail).await.text("section[aria-labelledby=tokens-heading] tbody tr");
    assert!(row.contains("Mar 1, 2026, 09:00 UTC from 127.0.0.1"), "{row}");
    assert!(app.get(AGENCY).await.text("tbody tr").contains("from 127.0.0.1"));
}

const GATEWAY_SECRET: &str = "a resource server secret, long enough";

async fn introspect(app: &TestApp, secret: Option<&str>, token: &str) -> (u16, serde_json::Value) {
    let mut request =
        reqwest::Client::new().post(format!("{}/oauth/introspect", app.address)).form(&[("token", token)]);
    if let Some(secret) = secret {
        request = request.bearer_auth(secret);
    }
    let response = request.send().await.expect("introspect");
    (response.status().as_u16(), response.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn gateways_introspect_tokens_with_the_resource_server_secret() {
    let app = TestApp::spawn_with(crate::support::Options {
        env: vec![("RESOURCE_SERVER_SECRET", GATEWAY_SECRET.to_owned())],
        database: None,
        database_url: None,
    })
    .await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let base = format!("/locations/{}/settings/private-integrations", world.sub_a);
    let (detail, token) =
        create_integration(&app, &base, "Gateway", &["contacts.readonly", "users.readonly"]).await;

    assert_eq!(introspect(&app, None, &token).await, (401, serde_json::json!({ "error": "invalid_client" })));
    assert_eq!(introspect(&app, Some("a wrong secret that is long enough!!"), &token).await.0, 401);

    let (status, body) = introspect(&app, Some(GATEWAY_SECRET), &token).await;
    assert_eq!(status, 200);
    assert_eq!(body["active"], true);
    assert_eq!(body["scope"], "contacts.readonly users.readonly");
    assert_eq!(body["sub"], world.sub_a.to_string());
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["client_id"], detail.rsplit('/').next().expect("id"));
    assert!(body["iat"].is_i64() && body.get("exp").is_none(), "{body}");

    // During a rotation the old token reports its expiry; inactive tokens say only that.
    app.get(&format!("{detail}/rotate-later")).await;
    app.post_form(&format!("{detail}/rotate-later"), &[]).await;
    let (_, body) = introspect(&app, Some(GATEWAY_SECRET), &token).await;
    assert!(body["exp"].is_i64(), "{body}");
    app.clock.advance(Duration::days(7));
    for inactive in [token.as_str(), "pit-garbage"] {
        assert_eq!(
            introspect(&app, Some(GATEWAY_SECRET), inactive).await,
            (200, serde_json::json!({ "active": false }))
        );
    }
}

#[tokio::test]
async fn introspection_is_refused_when_no_secret_is_configured() {
    let (app, _, agency_token, _, _) = world_with_tokens().await;
    assert_eq!(introspect(&app, Some(GATEWAY_SECRET), &agency_token).await.0, 401);
}

async fn get_with_headers(app: &TestApp, path: &str, token: &str) -> (u16, reqwest::header::HeaderMap) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    (response.status().as_u16(), response.headers().clone())
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> String {
    headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or("missing").to_owned()
}

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
    assert_eq!(header(&headers, "x-ratelimit-daily-remaining"), "3");

    // The burst counter belongs to the integration: a new token does not reset it.
    app.get(&format!("{detail}/rotate-now")).await;
    let reveal = app.follow(app.post_form(&format!("{detail}/rotate-now"), &[]).await).await;
    let new_token = crate::support::revealed_token(&reveal).expect("new token");
    assert_eq!(get_with_headers(&app, "/v2/users/", &new_token).await.0, 429);

    app.clock.advance(Duration::seconds(10));
    let (status, headers) = get_with_headers(&app, "/v2/users/", &new_token).await;
    assert_eq!(status, 200, "a new interval");
    assert_eq!(header(&headers, "x-ratelimit-daily-remaining"), "1");

    // The daily limit is shared by every integration of the agency.
    let (_, other) = create_integration(&app, AGENCY, "Other", &["users.readonly"]).await;
    assert_eq!(get_with_headers(&app, "/v2/users/", &other).await.0, 200);
    assert_eq!(get_with_headers(&app, "/v2/users/", &other).await.0, 429, "seven requests today");
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

fn permissions_of(app: &TestApp, email: &str) -> Vec<bool> {
    use diesel::prelude::*;
    use private_integrations::db::schema::users;
    let row: (bool, bool, bool, bool, bool) = users::table
        .filter(users::email.eq(email))
        .select((
            users::manage_agency_integrations,
            users::manage_sub_account_integrations,
            users::manage_team,
            users::manage_integrations,
            users::manage_staff,
        ))
        .first(&mut app.conn())
        .expect("user");
    vec![row.0, row.1, row.2, row.3, row.4]
}

#[tokio::test]
async fn agency_tokens_create_rename_and_delete_locations() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (_, token) =
        create_integration(&app, AGENCY, "Provisioner", &["locations.readonly", "locations.write"]).await;

    let (status, body) =
        send(&app, Method::POST, "/v2/locations", &token, serde_json::json!({ "name": "  " })).await;
    assert_eq!((status, body["message"].as_str()), (422, Some("name: Name is required.")));
    let raw = reqwest::Client::new()
        .post(format!("{}/v2/locations", app.address))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(raw.status().as_u16(), 422);

    let (status, body) =
        send(&app, Method::POST, "/v2/locations", &token, serde_json::json!({ "name": "Gamma Spa" })).await;
    assert_eq!(status, 201, "{body}");
    let id = body["location"]["id"].as_str().expect("id").to_owned();
    let (status, body) = send(
        &app,
        Method::PUT,
        &format!("/v2/locations/{id}"),
        &token,
        serde_json::json!({ "name": "Gamma Day Spa" }),
    )
    .await;
    assert_eq!((status, body["location"]["name"].as_str()), (200, Some("Gamma Day Spa")));
    let (status, _) =
        send(&app, Method::DELETE, &format!("/v2/locations/{id}"), &token, serde_json::json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(Api::new(&app).get(&format!("/v2/locations/{id}"), Some(&token)).await.0, 403);

    // A sub-account's token cannot hold locations.write at all; without the scope: 403.
    let (_, reader) = create_integration(&app, AGENCY, "Reader", &["locations.readonly"]).await;
    let (status, body) =
        send(&app, Method::POST, "/v2/locations", &reader, serde_json::json!({ "name": "X" })).await;
    assert_eq!((status, body["message"].as_str()), (403, Some("The token is not authorized for this scope")));
    let actions = crate::support::actions(&app, world.agency);
    for action in ["api.location.create", "api.location.update", "api.location.delete"] {
        assert!(actions.contains(&action.to_owned()), "{action}");
    }
}

#[tokio::test]
async fn users_written_through_the_api_never_gain_permissions_and_never_lock_out_the_agency() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (_, token) = create_integration(&app, AGENCY, "HR sync", &["users.readonly", "users.write"]).await;

    let (status, body) = send(
        &app,
        Method::POST,
        "/v2/users",
        &token,
        serde_json::json!({ "name": "Ann", "email": "ann@acme.test", "role": "agency_admin", "password": "long enough password" }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(permissions_of(&app, "ann@acme.test"), [false; 5], "no permission through a token");
    app.new_browser().sign_in("ann@acme.test", "long enough password").await;

    let (status, body) = send(
        &app,
        Method::POST,
        "/v2/users",
        &token,
        serde_json::json!({ "name": "Al", "email": "al@acme.test", "role": "account_admin", "locationIds": [world.sub_a] }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(permissions_of(&app, "al@acme.test"), [false; 5]);
    let al = body["user"]["id"].as_str().expect("id").to_owned();

    let (status, body) = send(
        &app,
        Method::POST,
        "/v2/users",
        &token,
        serde_json::json!({ "name": "Dup", "email": people::ADMIN_A, "role": "agency_user" }),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (422, Some("email: A user with this email already exists."))
    );
    let (status, body) = send(
        &app,
        Method::POST,
        "/v2/users",
        &token,
        serde_json::json!({ "name": "N", "email": "n@acme.test", "role": "account_user" }),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (422, Some("locationIds: An account role needs at least one location."))
    );

    // The last team manager stays one.
    let owner = world.owner.to_string();
    let (status, body) = send(
        &app,
        Method::PUT,
        &format!("/v2/users/{owner}"),
        &token,
        serde_json::json!({ "role": "agency_user" }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .starts_with("This agency needs at least one active team manager.")
    );
    assert_eq!(
        send(&app, Method::DELETE, &format!("/v2/users/{owner}"), &token, serde_json::json!({})).await.0,
        422
    );
    assert!(permissions_of(&app, people::OWNER)[2], "still the team manager");

    let (status, body) = send(
        &app,
        Method::PUT,
        &format!("/v2/users/{al}"),
        &token,
        serde_json::json!({ "name": "Alan", "role": "account_user" }),
    )
    .await;
    assert_eq!(
        (status, body["user"]["name"].as_str(), body["user"]["role"].as_str()),
        (200, Some("Alan"), Some("account_user"))
    );
    assert_eq!(
        send(&app, Method::DELETE, &format!("/v2/users/{al}"), &token, serde_json::json!({})).await.0,
        200
    );
    assert_eq!(Api::new(&app).get(&format!("/v2/users/{al}"), Some(&token)).await.0, 403);
}

#[tokio::test]
async fn sub_account_tokens_write_only_their_own_staff() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let base = format!("/locations/{}/settings/private-integrations", world.sub_a);
    let (_, token) = create_integration(&app, &base, "Front desk", &["users.readonly", "users.write"]).await;

    let (status, body) = send(
        &app,
        Method::POST,
        "/v2/users",
        &token,
        serde_json::json!({ "name": "Boss", "email": "boss@acme.test", "role": "agency_admin" }),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (422, Some("role: A sub-account's token can only give account roles."))
    );
    let (status, _) = send(
        &app,
        Method::POST,
        "/v2/users",
        &token,
        serde_json::json!({ "name": "Elsewhere", "email": "b@acme.test", "role": "account_user", "locationIds": [world.sub_b] }),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = send(
        &app,
        Method::POST,
        "/v2/users",
        &token,
        serde_json::json!({ "name": "Desk", "email": "desk@acme.test", "role": "account_user" }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["user"]["locationIds"], serde_json::json!([world.sub_a]));

    let owner = world.owner.to_string();
    assert_eq!(
        send(&app, Method::PUT, &format!("/v2/users/{owner}"), &token, serde_json::json!({ "name": "X" }))
            .await
            .0,
        403
    );
    assert_eq!(
        send(&app, Method::DELETE, &format!("/v2/users/{owner}"), &token, serde_json::json!({})).await.0,
        403
    );
}

/// Waits until `app`'s token cache has applied more than `seen` changes (notifications
/// from other instances included); the count it reached. The bound is generous: it only
/// turns a lost notification into a failure instead of a hang.
async fn cache_changes_after(app: &TestApp, seen: u64) -> u64 {
    let mut changes = app.state().tokens.applied_changes();
    let reached =
        tokio::time::timeout(std::time::Duration::from_secs(30), changes.wait_for(|count| *count > seen))
            .await
            .expect("the change notification arrives")
            .expect("the cache is alive");
    *reached
}

#[tokio::test]
async fn a_change_on_one_instance_reaches_another_instances_cache() {
    let first = TestApp::spawn().await;
    seed(&mut first.conn());
    let second = TestApp::spawn_with(crate::support::Options {
        env: vec![],
        database: None,
        database_url: Some(first.db.url()),
    })
    .await;
    // The second instance listens once its listener has flushed the cache on connecting.
    let listening = cache_changes_after(&second, 0).await;
    first.sign_in(people::OWNER, PASSWORD).await;
    let (detail, token) =
        create_integration(&first, AGENCY, "CRM", &["users.readonly", "locations.readonly"]).await;
    let api = Api::new(&second);
    // Warm the second instance's cache.
    assert_eq!(api.get("/v2/locations/search", Some(&token)).await.0, 200);
    assert_eq!(api.get("/v2/locations/search", Some(&token)).await.0, 200);

    // A scope edit on the first instance applies on the second as soon as it hears of it.
    first.get(&format!("{detail}/edit")).await;
    first.post_form(&format!("{detail}/edit"), &[("name", "CRM"), ("description", "")]).await;
    first.get(&format!("{detail}/edit/scopes")).await;
    first
        .post_form(&format!("{detail}/edit/scopes"), &[("scopes", "users.readonly"), ("step", "save")])
        .await;
    let edited = cache_changes_after(&second, listening).await;
    assert_eq!(api.get("/v2/locations/search", Some(&token)).await.0, 403);

    // A revocation on the first instance applies on the second.
    assert_eq!(api.get("/v2/users/", Some(&token)).await.0, 200);
    first.get(&format!("{detail}/rotate-now")).await;
    first.post_form(&format!("{detail}/rotate-now"), &[]).await;
    cache_changes_after(&second, edited).await;
    assert_eq!(api.get("/v2/users/", Some(&token)).await.0, 401);
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

#[tokio::test]
async fn after_the_listener_reconnects_the_cache_is_flushed() {
    let proxy = crate::support::proxy::Proxy::start().await;
    let first = TestApp::spawn().await;
    seed(&mut first.conn());
    let second = TestApp::spawn_with(crate::support::Options {
        env: vec![],
        database: None,
        database_url: Some(proxy.url(&first.db.name)),
    })
    .await;
    let listening = cache_changes_after(&second, 0).await;
    first.sign_in(people::OWNER, PASSWORD).await;
    let (detail, token) = create_integration(&first, AGENCY, "CRM", &["users.readonly"]).await;
    let api = Api::new(&second);
    assert_eq!(api.get("/v2/users/", Some(&token)).await.0, 200);

    // The second instance's connections drop; the notification of this revocation is lost.
    proxy.cut();
    first.get(&format!("{detail}/rotate-now")).await;
    first.post_form(&format!("{detail}/rotate-now"), &[]).await;
    proxy.restore();
    // The listener notices, reconnects and flushes everything it may have missed.
    cache_changes_after(&second, listening).await;
    assert_eq!(
        api.get("/v2/users/", Some(&token)).await.0,
        401,
        "the reconnecting listener flushed the cache"
    );
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
            "delete /v2/locations/{location_id}",
            "delete /v2/users/{user_id}",
            "get /v2/companies/{company_id}",
            "get /v2/locations/search",
            "get /v2/locations/{location_id}",
            "get /v2/oauth/token-info",
            "get /v2/users/",
            "get /v2/users/{user_id}",
            "post /oauth/introspect",
            "post /v2/locations",
            "post /v2/users",
            "put /v2/locations/{location_id}",
            "put /v2/users/{user_id}",
        ]
    );
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let location = &document["paths"]["/v2/locations/{location_id}"]["get"];
    assert!(location["description"].as_str().expect("description").contains("locations.readonly"));
    assert!(document["components"]["schemas"]["ErrorBody"].is_object());
}

#[tokio::test]
async fn graceful_shutdown_writes_the_pending_last_uses() {
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
    let row = app.get(&detail).await.text("section[aria-labelledby=tokens-heading] tbody tr");
    assert!(row.contains("from 127.0.0.1"), "{row}");
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
