//! RFC 7662 introspection for the operator's gateways.

use chrono::Duration;

use super::*;

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
