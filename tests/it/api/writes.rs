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

/// A HighLevel `CreateUserDto` for this agency.
fn new_user(world: &World, first: &str, email: &str, kind: &str, role: &str) -> serde_json::Value {
    serde_json::json!({
        "companyId": world.agency,
        "firstName": first,
        "lastName": "Tester",
        "email": email,
        "type": kind,
        "role": role,
        "locationIds": [],
    })
}

#[tokio::test]
async fn agency_tokens_create_update_and_delete_locations_with_their_details() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (_, token) =
        create_integration(&app, AGENCY, "Provisioner", &["locations.readonly", "locations.write"]).await;

    let company = world.agency.to_string();
    let (status, body) = send(
        &app,
        Method::POST,
        "/v2/locations/",
        &token,
        serde_json::json!({ "name": "  ", "companyId": company }),
    )
    .await;
    assert_eq!((status, body["message"].as_str()), (422, Some("name: Name is required.")));
    let (status, body) =
        send(&app, Method::POST, "/v2/locations/", &token, serde_json::json!({ "name": "X" })).await;
    assert_eq!((status, body["message"].as_str()), (422, Some("companyId: This field is required.")));
    let other = uuid::Uuid::new_v4();
    let (status, body) = send(
        &app,
        Method::POST,
        "/v2/locations/",
        &token,
        serde_json::json!({ "name": "X", "companyId": other }),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some("The token does not have access to this company"))
    );
    let raw = reqwest::Client::new()
        .post(format!("{}/v2/locations", app.address))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(raw.status().as_u16(), 422);

    let (status, body) = send(
        &app,
        Method::POST,
        "/v2/locations/",
        &token,
        serde_json::json!({
            "name": "Gamma Spa", "companyId": company, "phone": "+1 (423) 164-4516", "city": "Austin",
            "country": "us", "timezone": "America/Chicago", "settings": { "allowDuplicateContact": true },
            "social": { "facebookUrl": "https://facebook.com/gamma" },
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "Gamma Spa", "a flat location, as HighLevel answers");
    assert_eq!(body["companyId"], company);
    assert_eq!((body["phone"].as_str(), body["country"].as_str()), (Some("+14231644516"), Some("US")));
    assert_eq!(body["settings"]["allowDuplicateContact"], true);
    let id = body["id"].as_str().expect("id").to_owned();
    let (status, body) = send(
        &app,
        Method::PUT,
        &format!("/v2/locations/{id}"),
        &token,
        serde_json::json!({ "companyId": company, "name": "Gamma Day Spa", "city": null }),
    )
    .await;
    assert_eq!((status, body["name"].as_str()), (200, Some("Gamma Day Spa")), "{body}");
    assert_eq!(
        (body["city"].clone(), body["phone"].as_str()),
        (serde_json::Value::Null, Some("+14231644516")),
        "null clears, absent keeps"
    );
    let (status, body) = Api::new(&app).get(&format!("/v2/locations/{id}"), Some(&token)).await;
    assert_eq!((status, body["location"]["name"].as_str()), (200, Some("Gamma Day Spa")));
    let (status, body) = send(
        &app,
        Method::PUT,
        &format!("/v2/locations/{id}"),
        &token,
        serde_json::json!({ "timezone": "Mars/Olympus Mons!" }),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (422, Some("timezone: Use a time zone name such as America/New_York."))
    );
    let (status, body) = send(
        &app,
        Method::DELETE,
        &format!("/v2/locations/{id}?deleteTwilioAccount=false"),
        &token,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        serde_json::json!({ "success": true, "message": format!("Deleted location with id: {id}") })
    );
    assert_eq!(Api::new(&app).get(&format!("/v2/locations/{id}"), Some(&token)).await.0, 403);

    // Without the scope: 403.
    let (_, reader) = create_integration(&app, AGENCY, "Reader", &["locations.readonly"]).await;
    let (status, body) = send(
        &app,
        Method::POST,
        "/v2/locations",
        &reader,
        serde_json::json!({ "name": "X", "companyId": company }),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some("The token is not authorized for this scope: this endpoint needs locations.write"))
    );
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

    let mut ann = new_user(&world, "Ann", "ann@acme.test", "agency", "user");
    ann["password"] = "long enough password".into();
    ann["permissions"] = serde_json::json!({ "contactsEnabled": true, "campaignsEnabled": true });
    let (status, body) = send(&app, Method::POST, "/v2/users/", &token, ann).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (body["firstName"].as_str(), body["lastName"].as_str(), body["name"].as_str()),
        (Some("Ann"), Some("Tester"), Some("Ann Tester"))
    );
    assert_eq!(
        body["roles"],
        serde_json::json!({ "type": "agency", "role": "user", "locationIds": [], "restrictSubAccount": false })
    );
    assert_eq!(permissions_of(&app, "ann@acme.test"), [false; 5], "no permission through a token");
    let browser = app.new_browser();
    let landing = browser.sign_in("ann@acme.test", "long enough password").await;
    assert!(
        landing.body.contains("Nothing to manage here"),
        "a plain user reaches nothing:\n{}",
        landing.body
    );

    let mut grant = new_user(&world, "Gil", "gil@acme.test", "agency", "user");
    grant["permissions"] = serde_json::json!({ "manageTeam": true });
    let (status, body) = send(&app, Method::POST, "/v2/users/", &token, grant).await;
    assert_eq!((status, body["message"].as_str()), (403, Some("The token cannot grant permissions")));

    let mut al = new_user(&world, "Al", "al@acme.test", "account", "user");
    al["locationIds"] = serde_json::json!([world.sub_a]);
    al["phone"] = "+44 20 7946 0958".into();
    let (status, body) = send(&app, Method::POST, "/v2/users", &token, al).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["phone"], "+442079460958");
    assert_eq!(body["roles"]["locationIds"], serde_json::json!([world.sub_a]));
    assert_eq!(permissions_of(&app, "al@acme.test"), [false; 5]);
    let al = body["id"].as_str().expect("id").to_owned();

    let (status, body) = send(
        &app,
        Method::POST,
        "/v2/users/",
        &token,
        new_user(&world, "Dup", people::ADMIN_A, "agency", "user"),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (409, Some("email: A user with this email already exists."))
    );
    let (status, body) = send(
        &app,
        Method::POST,
        "/v2/users/",
        &token,
        new_user(&world, "N", "n@acme.test", "account", "user"),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (422, Some("locationIds: An account role needs at least one location."))
    );
    let (status, body) =
        send(&app, Method::POST, "/v2/users/", &token, new_user(&world, "N", "n@acme.test", "staff", "user"))
            .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (
            422,
            Some("The JSON body is invalid: type: unknown variant `staff`, expected `agency` or `account`")
        )
    );

    // Admins, the team manager among them, are out of a token's hands.
    let owner = world.owner.to_string();
    let (status, body) =
        send(&app, Method::PUT, &format!("/v2/users/{owner}"), &token, serde_json::json!({ "role": "user" }))
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
        serde_json::json!({ "firstName": "Alan", "type": "agency", "phone": null }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["name"].as_str(), body["roles"]["type"].as_str()),
        (Some("Alan Tester"), Some("agency"))
    );
    assert_eq!(body["roles"]["locationIds"], serde_json::json!([]), "an agency role has no sub-account");
    assert_eq!(body["phone"], serde_json::Value::Null);
    let (status, body) = send(
        &app,
        Method::PUT,
        &format!("/v2/users/{al}"),
        &token,
        serde_json::json!({ "email": "new@acme.test" }),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (409, Some("email: An email cannot be changed through the API."))
    );
    let (status, body) =
        send(&app, Method::DELETE, &format!("/v2/users/{al}"), &token, serde_json::json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["succeded"], true, "HighLevel's spelling");
    assert_eq!(body["message"], "Deleted user with e-mail al@acme.test and name Alan Tester.");
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
        "/v2/users/",
        &token,
        new_user(&world, "Boss", "boss@acme.test", "agency", "user"),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some("The token of a location can only give account roles"))
    );
    let mut elsewhere = new_user(&world, "Elsewhere", "b@acme.test", "account", "user");
    elsewhere["locationIds"] = serde_json::json!([world.sub_b]);
    assert_eq!(send(&app, Method::POST, "/v2/users/", &token, elsewhere).await.0, 403);
    let mut desk = new_user(&world, "Desk", "desk@acme.test", "account", "user");
    desk["locationIds"] = serde_json::json!([world.sub_a]);
    let (status, body) = send(&app, Method::POST, "/v2/users/", &token, desk).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["roles"]["locationIds"], serde_json::json!([world.sub_a]));
    let desk_id = body["id"].as_str().expect("an id").to_owned();

    // Someone who also works in sub-account B: this token may keep them in its own
    // sub-account, but not rename them, change their phone or role for B as well.
    let (_, agency_token) = create_integration(&app, AGENCY, "HR sync", &["users.write"]).await;
    let mut both = new_user(&world, "Both", "both@acme.test", "account", "user");
    both["locationIds"] = serde_json::json!([world.sub_a, world.sub_b]);
    let (status, body) = send(&app, Method::POST, "/v2/users/", &agency_token, both).await;
    assert_eq!(status, 201, "{body}");
    let both = format!("/v2/users/{}", body["id"].as_str().expect("an id"));
    for change in [
        serde_json::json!({ "lastName": "Changed" }),
        serde_json::json!({ "phone": "+15551234567" }),
        serde_json::json!({ "firstName": "Other", "locationIds": [world.sub_a] }),
    ] {
        let (status, body) = send(&app, Method::PUT, &both, &token, change.clone()).await;
        assert_eq!(
            (status, body["message"].as_str()),
            (403, Some("The token does not have access to this location")),
            "{change}"
        );
    }
    let (status, body) = send(&app, Method::GET, &both, &token, serde_json::json!({})).await;
    assert_eq!(
        (status, body["lastName"].as_str(), &body["phone"]),
        (200, Some("Tester"), &serde_json::Value::Null)
    );
    // The same values again, or its own location named, change nothing of B's: allowed.
    let unchanged =
        serde_json::json!({ "firstName": "Both", "lastName": "Tester", "locationIds": [world.sub_a] });
    let (status, body) = send(&app, Method::PUT, &both, &token, unchanged).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["roles"]["locationIds"], serde_json::json!([world.sub_a, world.sub_b]));
    // Whoever belongs only to this sub-account, it may rename.
    let desk = format!("/v2/users/{desk_id}");
    let (status, body) =
        send(&app, Method::PUT, &desk, &token, serde_json::json!({ "lastName": "Renamed" })).await;
    assert_eq!((status, body["lastName"].as_str()), (200, Some("Renamed")), "{body}");

    let owner = world.owner.to_string();
    assert_eq!(
        send(
            &app,
            Method::PUT,
            &format!("/v2/users/{owner}"),
            &token,
            serde_json::json!({ "firstName": "X" })
        )
        .await
        .0,
        403
    );
    assert_eq!(
        send(&app, Method::DELETE, &format!("/v2/users/{owner}"), &token, serde_json::json!({})).await.0,
        403
    );
}

#[tokio::test]
async fn a_location_deleted_while_people_join_or_move_into_it_strands_nobody_and_fails_nothing() {
    use diesel::prelude::*;
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (_, token) =
        create_integration(&app, AGENCY, "Provisioner", &["locations.write", "users.write"]).await;
    let company = world.agency.to_string();
    let stranded = "SELECT count(*) AS n FROM users u WHERE u.role IN ('account_admin', 'account_user') \
                    AND NOT EXISTS (SELECT 1 FROM sub_account_memberships m WHERE m.user_id = u.id)";
    for round in 0..3 {
        let (status, body) = send(
            &app,
            Method::POST,
            "/v2/locations/",
            &token,
            serde_json::json!({ "name": format!("Doomed {round}"), "companyId": company }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let location = body["id"].as_str().expect("id").to_owned();
        let mut mover = new_user(&world, "Mover", &format!("mover{round}@acme.test"), "account", "user");
        mover["locationIds"] = serde_json::json!([location]);
        let (status, body) = send(&app, Method::POST, "/v2/users/", &token, mover).await;
        assert_eq!(status, 201, "{body}");
        let mover = format!("/v2/users/{}", body["id"].as_str().expect("id"));

        // People added to it, the one who works only there moved to B as well, and the
        // location deleted, all at once.
        let mut calls = Vec::new();
        for n in 0..12 {
            let mut joiner =
                new_user(&world, "Joiner", &format!("joiner{round}-{n}@acme.test"), "account", "user");
            joiner["locationIds"] = serde_json::json!([location]);
            calls.push((Method::POST, "/v2/users/".to_owned(), joiner));
            calls.push((
                Method::PUT,
                mover.clone(),
                serde_json::json!({ "locationIds": [location, world.sub_b] }),
            ));
        }
        calls.insert(12, (Method::DELETE, format!("/v2/locations/{location}"), serde_json::json!({})));
        let answers = crate::support::join_all(
            calls
                .iter()
                .map(|(method, path, body)| send(&app, method.clone(), path, &token, body.clone()))
                .collect(),
        )
        .await;
        for (status, body) in &answers {
            // Created or moved before the delete, or after it: the location is gone.
            assert!([200, 201, 403, 404].contains(status), "{status} {body}");
        }
        let gone: i64 =
            diesel::sql_query(format!("SELECT count(*) AS n FROM sub_accounts WHERE id = '{location}'"))
                .get_result::<Count>(&mut app.conn())
                .expect("count")
                .n;
        assert_eq!(gone, 0, "round {round}: the location was deleted");
        let left: i64 = diesel::sql_query(stranded).get_result::<Count>(&mut app.conn()).expect("count").n;
        assert_eq!(left, 0, "round {round}: someone belongs to no sub-account");
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}
