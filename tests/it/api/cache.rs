//! The token cache across instances: LISTEN/NOTIFY invalidation and the flush after a
//! reconnect.

use super::*;
use serde_json::json;

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

/// Two instances on one seeded database, the second listening (its listener flushed the
/// cache on connecting); the count of changes the second has applied so far.
async fn two_instances() -> (TestApp, World, TestApp, u64) {
    let first = TestApp::spawn().await;
    let world = seed(&mut first.conn());
    let second = TestApp::spawn_with(crate::support::Options {
        env: vec![],
        database: None,
        database_url: Some(first.db.url()),
    })
    .await;
    let listening = cache_changes_after(&second, 0).await;
    (first, world, second, listening)
}

#[tokio::test]
async fn a_change_on_one_instance_reaches_another_instances_cache() {
    let (first, _, second, listening) = two_instances().await;
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

/// An instance with `TOKEN_CACHE=off` on a seeded database, its owner signed in.
async fn cache_off_app() -> TestApp {
    let app = TestApp::spawn_with(crate::support::Options {
        env: vec![("TOKEN_CACHE", "off".to_owned())],
        database: None,
        database_url: None,
    })
    .await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    app
}

#[tokio::test]
async fn with_token_cache_off_every_request_reads_the_database() {
    let app = cache_off_app().await;
    let (_, token) = create_integration(&app, AGENCY, "CRM", &["users.readonly"]).await;
    let api = Api::new(&app);
    for _ in 0..3 {
        assert_eq!(api.get("/v2/users/", Some(&token)).await.0, 200);
    }
    let unknown = crate::support::new_token().expose().to_owned();
    api.get("/v2/users/", Some(&unknown)).await;
    api.get("/v2/users/", Some(&unknown)).await;
    let text =
        reqwest::get(format!("{}/metrics", app.address)).await.expect("metrics").text().await.expect("body");
    for line in
        ["pi_token_cache_lookups_total{result=\"hit\"} 0", "pi_token_cache_lookups_total{result=\"miss\"} 5"]
    {
        assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
    }
}

#[tokio::test]
async fn a_location_is_served_from_the_cache_until_a_change_anywhere_evicts_it() {
    let (first, world, second, listening) = two_instances().await;
    first.sign_in(people::OWNER, PASSWORD).await;
    let (_, token) =
        create_integration(&first, AGENCY, "Sync", &["locations.readonly", "locations.write"]).await;
    let path = format!("/v2/locations/{}", world.sub_a);
    let name = |(status, body): (u16, serde_json::Value)| (status, body["location"]["name"].clone());
    // Both instances hold the location.
    assert_eq!(name(Api::new(&first).get(&path, Some(&token)).await), (200, "Alpha Dental".into()));
    assert_eq!(name(Api::new(&second).get(&path, Some(&token)).await), (200, "Alpha Dental".into()));

    // A change through the first instance: it reads its own change at once…
    let (status, renamed) =
        send(&first, reqwest::Method::PUT, &path, &token, json!({ "name": "Alpha Dental Care" })).await;
    assert_eq!((status, &renamed["name"]), (200, &json!("Alpha Dental Care")));
    assert_eq!(name(Api::new(&first).get(&path, Some(&token)).await), (200, "Alpha Dental Care".into()));
    // …and the second as soon as it hears of it.
    let heard = cache_changes_after(&second, listening).await;
    assert_eq!(name(Api::new(&second).get(&path, Some(&token)).await), (200, "Alpha Dental Care".into()));

    // A change made by hand in the database, announced as the app announces its own.
    {
        use diesel::RunQueryDsl as _;
        let mut conn = first.conn();
        diesel::sql_query(format!("UPDATE sub_accounts SET name = 'Alpha' WHERE id = '{}'", world.sub_a))
            .execute(&mut conn)
            .expect("rename");
        assert_eq!(
            name(Api::new(&second).get(&path, Some(&token)).await),
            (200, "Alpha Dental Care".into()),
            "unannounced, the cached location is what the second instance serves"
        );
        private_integrations::db::notify::location_changed(&mut conn, world.sub_a).expect("notify");
    }
    let heard = cache_changes_after(&second, heard).await;
    assert_eq!(name(Api::new(&second).get(&path, Some(&token)).await), (200, "Alpha".into()));

    // Deleted through the first instance: out of reach on the second once it hears of it.
    assert_eq!(send(&first, reqwest::Method::DELETE, &path, &token, json!(null)).await.0, 200);
    cache_changes_after(&second, heard).await;
    assert_eq!(Api::new(&second).get(&path, Some(&token)).await.0, 403);
}

#[tokio::test]
async fn concurrent_cold_lookups_each_get_their_own_answer() {
    let app = cache_off_app().await;
    let mut live = Vec::new();
    for n in 0..5 {
        let name = format!("Batch {n}");
        let (_, token) = create_integration(&app, AGENCY, &name, &["users.readonly"]).await;
        live.push((token, Some(name)));
    }
    let (detail, revoked) = create_integration(&app, AGENCY, "Revoked", &["users.readonly"]).await;
    app.get(&format!("{detail}/rotate-now")).await;
    app.post_form(&format!("{detail}/rotate-now"), &[]).await;
    let presented: Vec<(String, Option<String>)> = live
        .into_iter()
        .chain([(revoked, None)])
        .chain((0..2).map(|_| (crate::support::new_token().expose().to_owned(), None)))
        .collect();

    // Every token eight times, all at once: lookups that wait together are read together,
    // and each must still get its own token's answer.
    let api = Api::new(&app);
    let calls: Vec<_> = (0..8)
        .flat_map(|_| presented.iter())
        .map(|(token, name)| {
            let api = &api;
            async move { (name, api.get("/v2/oauth/token-info", Some(token)).await) }
        })
        .collect();
    for (name, (status, body)) in crate::support::join_all(calls).await {
        match name {
            Some(name) => assert_eq!((status, &body["name"]), (200, &json!(name))),
            None => assert_eq!(status, 401, "{body}"),
        }
    }
}
