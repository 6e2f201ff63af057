//! The write side: locations and users, without escalation through a token.

use super::*;

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
        serde_json::json!({ "name": "Ann", "email": "ann@acme.test", "role": "agency_user", "password": "long enough password" }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(permissions_of(&app, "ann@acme.test"), [false; 5], "no permission through a token");
    let ann = app.new_browser();
    let landing = ann.sign_in("ann@acme.test", "long enough password").await;
    assert!(
        landing.body.contains("Nothing to manage here"),
        "a plain user reaches nothing:\n{}",
        landing.body
    );

    let (status, body) = send(
        &app,
        Method::POST,
        "/v2/users",
        &token,
        serde_json::json!({ "name": "Al", "email": "al@acme.test", "role": "account_user", "locationIds": [world.sub_a] }),
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

    // Admins, the team manager among them, are out of a token's hands.
    let owner = world.owner.to_string();
    let (status, body) = send(
        &app,
        Method::PUT,
        &format!("/v2/users/{owner}"),
        &token,
        serde_json::json!({ "role": "agency_user" }),
    )
    .await;
    assert_eq!((status, body["message"].as_str()), (403, Some("The token cannot manage admins")));
    assert_eq!(
        send(&app, Method::DELETE, &format!("/v2/users/{owner}"), &token, serde_json::json!({})).await.0,
        403
    );
    assert!(permissions_of(&app, people::OWNER)[2], "still the team manager");

    let (status, body) = send(
        &app,
        Method::PUT,
        &format!("/v2/users/{al}"),
        &token,
        serde_json::json!({ "name": "Alan", "role": "agency_user" }),
    )
    .await;
    assert_eq!(
        (status, body["user"]["name"].as_str(), body["user"]["role"].as_str()),
        (200, Some("Alan"), Some("agency_user"))
    );
    assert_eq!(body["user"]["locationIds"], serde_json::json!([]), "an agency role has no sub-account");
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
        serde_json::json!({ "name": "Boss", "email": "boss@acme.test", "role": "agency_user" }),
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
