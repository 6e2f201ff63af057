//! Contacts through the API, in HighLevel's wire format: envelopes, validation, reach,
//! duplicates (also under parallel upserts), search, listing, tags and the audit log.

use reqwest::Method;
use serde_json::{Value, json};

use super::*;

/// A sub-account A token with both contact scopes, one with `contacts.readonly` only,
/// and an agency token (which cannot hold contact scopes).
async fn contacts_world() -> (TestApp, World, String, String, String) {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let base = format!("/locations/{}/settings/private-integrations", world.sub_a);
    let (_, writer) =
        create_integration(&app, &base, "CRM sync", &["contacts.readonly", "contacts.write"]).await;
    let (_, reader) = create_integration(&app, &base, "Reporting", &["contacts.readonly"]).await;
    let (_, agency) = create_integration(&app, AGENCY, "HQ", &["locations.readonly", "users.readonly"]).await;
    (app, world, writer, reader, agency)
}

async fn create(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    send(app, Method::POST, "/v2/contacts/", token, body).await
}

#[tokio::test]
async fn a_contact_is_created_read_changed_and_deleted_in_highlevels_shapes() {
    let (app, world, token, _, _) = contacts_world().await;
    let (status, body) = create(
        &app,
        &token,
        json!({
            "locationId": world.sub_a, "firstName": "Rosa", "lastName": "Parks", "email": "Rosa@Example.com",
            "phone": "+1 (555) 010-9999", "companyName": "Montgomery Fair", "city": "Montgomery",
            "dateOfBirth": "02/04/1913", "tags": ["VIP", "vip", "Newsletter"], "source": "public api",
            "customFields": [],
        }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let contact = &body["contact"];
    assert_eq!(contact["name"], "Rosa Parks");
    assert_eq!(
        (contact["email"].as_str(), contact["emailLowerCase"].as_str()),
        (Some("rosa@example.com"), Some("rosa@example.com"))
    );
    assert_eq!(contact["phone"], "+15550109999");
    assert_eq!(contact["dateOfBirth"], "1913-02-04T00:00:00Z");
    assert_eq!(contact["tags"], json!(["vip", "newsletter"]), "lower-cased, once each");
    assert_eq!((contact["type"].as_str(), contact["dnd"].as_bool()), (Some("lead"), Some(false)));
    assert_eq!(contact["locationId"], world.sub_a.to_string());
    let id = contact["id"].as_str().expect("id").to_owned();

    let (status, body) = Api::new(&app).get(&format!("/v2/contacts/{id}"), Some(&token)).await;
    assert_eq!((status, body["contact"]["firstName"].as_str()), (200, Some("Rosa")));

    // Absent fields stay, null (or "") clears, tags replace the list.
    let (status, body) = send(
        &app,
        Method::PUT,
        &format!("/v2/contacts/{id}"),
        &token,
        json!({ "city": null, "companyName": "", "tags": ["activist"], "dnd": true, "type": "customer" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["succeded"].as_bool(), body["succeeded"].as_bool()), (Some(true), Some(true)));
    let contact = &body["contact"];
    assert_eq!((contact["city"].clone(), contact["companyName"].clone()), (Value::Null, Value::Null));
    assert_eq!(
        (contact["firstName"].as_str(), contact["phone"].as_str()),
        (Some("Rosa"), Some("+15550109999"))
    );
    assert_eq!(contact["tags"], json!(["activist"]));
    assert_eq!((contact["dnd"].as_bool(), contact["type"].as_str()), (Some(true), Some("customer")));

    let (status, body) = send(&app, Method::DELETE, &format!("/v2/contacts/{id}"), &token, json!({})).await;
    assert_eq!((status, body), (200, json!({ "succeded": true, "succeeded": true })));
    let (status, body) = Api::new(&app).get(&format!("/v2/contacts/{id}"), Some(&token)).await;
    assert_eq!((status, body), (404, json!({ "statusCode": 404, "message": "Not found" })));

    let actions = crate::support::actions(&app, world.agency);
    assert_eq!(&actions[..3], ["api.contact.delete", "api.contact.update", "api.contact.create"]);
}

#[tokio::test]
async fn bad_contact_fields_get_a_422_naming_the_field_and_change_nothing() {
    let (app, world, token, _, _) = contacts_world().await;
    let location = world.sub_a.to_string();
    let json_invalid = "The JSON body is invalid: ";
    let cases = [
        (json!({}), 422, "locationId: This field is required.".to_owned()),
        (
            json!({ "locationId": "not-an-id" }),
            422,
            format!("{json_invalid}locationId: UUID parsing failed: invalid character: found `n` at 0"),
        ),
        (json!({ "locationId": location, "email": "not an email" }), 422, "email: Enter an email address such as name@example.com.".to_owned()),
        (json!({ "locationId": location, "phone": "call me" }), 422, "phone: Use digits, with an optional leading +.".to_owned()),
        (json!({ "locationId": location, "phone": "123" }), 422, "phone: A phone number has 7 to 15 digits.".to_owned()),
        (
            json!({ "locationId": location, "firstName": "a".repeat(101) }),
            422,
            "firstName: First name must be at most 100 characters (it has 101).".to_owned(),
        ),
        (
            json!({ "locationId": location, "firstName": "Eve\u{202E}" }),
            422,
            "firstName: First name cannot contain invisible formatting characters (such as right-to-left overrides).".to_owned(),
        ),
        (json!({ "locationId": location, "dateOfBirth": "1990.12" }), 422, "dateOfBirth: Use YYYY-MM-DD or MM/DD/YYYY.".to_owned()),
        (json!({ "locationId": location, "dateOfBirth": "1990-02-30" }), 422, "dateOfBirth: That date does not exist.".to_owned()),
        (json!({ "locationId": location, "tags": [""] }), 422, "tags: A tag is required.".to_owned()),
        (
            json!({ "locationId": location, "type": "prospect" }),
            422,
            "type: Use lead or customer.".to_owned(),
        ),
        (
            json!({ "locationId": location, "timezone": "Not/A Zone" }),
            422,
            "timezone: Use a time zone name such as America/New_York.".to_owned(),
        ),
        (
            json!({ "locationId": location, "customFields": [{ "id": "x", "field_value": "y" }] }),
            422,
            "customFields: Custom fields are not supported by this server.".to_owned(),
        ),
        (
            json!({ "locationId": location, "dndSettings": { "SMS": { "status": "active" } } }),
            422,
            "dndSettings: Per-channel do-not-disturb is not supported by this server; use dnd.".to_owned(),
        ),
        (
            json!({ "locationId": location, "assignedTo": "not-an-id" }),
            422,
            "assignedTo: Use the id of someone of the agency.".to_owned(),
        ),
        // Well formed, but nobody of the location: a conflict with what is stored.
        (
            json!({ "locationId": location, "assignedTo": uuid::Uuid::new_v4() }),
            409,
            "assignedTo: Assign the contact to someone who works in this location.".to_owned(),
        ),
    ];
    for (body, status, message) in cases {
        let (answered, answer) = create(&app, &token, body.clone()).await;
        assert_eq!((answered, answer["message"].as_str()), (status, Some(message.as_str())), "{body}");
    }
    let count: i64 = {
        use diesel::prelude::*;
        private_integrations::db::schema::contacts::table.count().get_result(&mut app.conn()).expect("count")
    };
    assert_eq!(count, 0, "nothing was stored");

    // Someone of the location may be assigned; someone of another location may not.
    let staff = |email: &str| -> String {
        use diesel::prelude::*;
        use private_integrations::db::schema::users;
        users::table
            .filter(users::email.eq(email))
            .select(users::id)
            .first::<uuid::Uuid>(&mut app.conn())
            .expect("user")
            .to_string()
    };
    let (status, body) = create(
        &app,
        &token,
        json!({ "locationId": location, "email": "c@d.co", "assignedTo": staff(people::USER_A) }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["contact"]["assignedTo"], staff(people::USER_A));
}

#[tokio::test]
async fn tokens_reach_only_their_own_locations_contacts_with_the_right_scope() {
    let (app, world, writer, reader, agency) = contacts_world().await;
    let (_, body) = create(&app, &writer, json!({ "locationId": world.sub_a, "email": "a@b.co" })).await;
    let id = body["contact"]["id"].as_str().expect("id").to_owned();

    let scope =
        |needed: &str| format!("The token is not authorized for this scope: this endpoint needs {needed}");
    let (status, body) = create(&app, &reader, json!({ "locationId": world.sub_a, "email": "x@b.co" })).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some(scope("contacts.write").as_str())),
        "read-only"
    );
    assert_eq!(Api::new(&app).get(&format!("/v2/contacts/{id}"), Some(&reader)).await.0, 200);
    let (status, body) = Api::new(&app).get(&format!("/v2/contacts/{id}"), Some(&agency)).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some(scope("contacts.readonly").as_str())),
        "an agency token holds no contact scope"
    );

    // Sub-account B's token, with every contact scope, reaches nothing of A. A's contact
    // answers as a contact that does not exist does (404): its id tells B nothing.
    let base_b = format!("/locations/{}/settings/private-integrations", world.sub_b);
    let (_, other) =
        create_integration(&app, &base_b, "B sync", &["contacts.readonly", "contacts.write"]).await;
    let unknown = uuid::Uuid::new_v4();
    for contact in [id.as_str().to_owned(), unknown.to_string()] {
        for (method, path, body) in [
            (Method::GET, format!("/v2/contacts/{contact}"), json!({})),
            (Method::PUT, format!("/v2/contacts/{contact}"), json!({ "firstName": "Mallory" })),
            (Method::DELETE, format!("/v2/contacts/{contact}"), json!({})),
            (Method::POST, format!("/v2/contacts/{contact}/tags"), json!({ "tags": ["pwned"] })),
            (Method::DELETE, format!("/v2/contacts/{contact}/tags"), json!({ "tags": ["vip"] })),
        ] {
            let (status, answer) = send(&app, method.clone(), &path, &other, body).await;
            assert_eq!((status, answer["message"].as_str()), (404, Some("Not found")), "{method} {path}");
        }
    }
    let elsewhere = "The token does not have access to this location";
    for (method, path, body) in [
        (
            Method::POST,
            "/v2/contacts/".to_owned(),
            json!({ "locationId": world.sub_a, "email": "m@evil.test" }),
        ),
        (Method::POST, "/v2/contacts/search".to_owned(), json!({ "locationId": world.sub_a })),
    ] {
        let (status, answer) = send(&app, method.clone(), &path, &other, body).await;
        assert_eq!((status, answer["message"].as_str()), (403, Some(elsewhere)), "{method} {path}");
    }
    let (status, _) =
        Api::new(&app).get(&format!("/v2/contacts/?locationId={}", world.sub_a), Some(&other)).await;
    assert_eq!(status, 403);
    let (_, body) = Api::new(&app).get(&format!("/v2/contacts/{id}"), Some(&writer)).await;
    assert_eq!(body["contact"]["firstName"], Value::Null, "unchanged");
    assert_eq!(body["contact"]["tags"], json!([]));
}

#[tokio::test]
async fn where_duplicates_are_not_allowed_an_email_or_phone_names_one_contact() {
    let (app, world, token, _, _) = contacts_world().await;
    let location = world.sub_a;
    let (_, body) =
        create(&app, &token, json!({ "locationId": location, "email": "dup@b.co", "phone": "5550100001" }))
            .await;
    let first = body["contact"]["id"].as_str().expect("id").to_owned();

    let (status, body) = create(&app, &token, json!({ "locationId": location, "email": "DUP@b.co" })).await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "This location does not allow duplicated contacts.");
    assert_eq!(body["meta"], json!({ "contactId": first, "matchingField": "email" }));
    let (status, body) =
        create(&app, &token, json!({ "locationId": location, "phone": "555-010-0001" })).await;
    assert_eq!((status, body["meta"]["matchingField"].as_str()), (400, Some("phone")));

    // Upsert finds it by email, else by phone, and updates it.
    let (status, body) = send(
        &app,
        Method::POST,
        "/v2/contacts/upsert",
        &token,
        json!({ "locationId": location, "phone": "5550100001", "firstName": "Found" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["new"].as_bool(), body["contact"]["id"].as_str()), (Some(false), Some(first.as_str())));
    assert_eq!(body["contact"]["firstName"], "Found");
    assert!(body["traceId"].as_str().is_some_and(|trace| !trace.is_empty()));
    let (status, body) = send(
        &app,
        Method::POST,
        "/v2/contacts/upsert",
        &token,
        json!({ "locationId": location, "email": "new@b.co" }),
    )
    .await;
    assert_eq!((status, body["new"].as_bool()), (200, Some(true)));

    let (_, body) = Api::new(&app)
        .get(
            &format!("/v2/contacts/search/duplicate?locationId={location}&number=%2B5550100001"),
            Some(&token),
        )
        .await;
    assert_eq!(body["contact"], Value::Null, "+5550100001 is another number than 5550100001");
    let (_, body) = Api::new(&app)
        .get(&format!("/v2/contacts/search/duplicate?locationId={location}&email=dup%40b.co"), Some(&token))
        .await;
    assert_eq!(body["contact"]["id"], first);
}

#[tokio::test]
async fn parallel_upserts_of_one_email_make_one_contact() {
    let (app, world, token, _, _) = contacts_world().await;
    let body = json!({ "locationId": world.sub_a, "email": "race@b.co", "firstName": "Racer" });
    let answers = crate::support::join_all(
        (0..12).map(|_| send(&app, Method::POST, "/v2/contacts/upsert", &token, body.clone())).collect(),
    )
    .await;
    assert!(answers.iter().all(|(status, _)| *status == 200), "{answers:?}");
    assert_eq!(
        answers.iter().filter(|(_, answer)| answer["new"] == true).count(),
        1,
        "one created, the rest updated it"
    );
    let count: i64 = {
        use diesel::prelude::*;
        use private_integrations::db::schema::contacts;
        contacts::table
            .filter(contacts::email.eq("race@b.co"))
            .count()
            .get_result(&mut app.conn())
            .expect("count")
    };
    assert_eq!(count, 1);
}

#[tokio::test]
async fn a_location_that_allows_duplicates_can_always_create_a_new_one() {
    let (app, world, token, _, _) = contacts_world().await;
    let (_, locations) =
        create_integration(&app, AGENCY, "Settings", &["locations.readonly", "locations.write"]).await;
    let (status, _) = send(
        &app,
        Method::PUT,
        &format!("/v2/locations/{}", world.sub_a),
        &locations,
        json!({ "settings": { "allowDuplicateContact": true } }),
    )
    .await;
    assert_eq!(status, 200);
    for _ in 0..2 {
        assert_eq!(
            create(&app, &token, json!({ "locationId": world.sub_a, "email": "twin@b.co" })).await.0,
            201
        );
    }
    let body =
        json!({ "locationId": world.sub_a, "email": "twin@b.co", "createNewIfDuplicateAllowed": true });
    let (_, answer) = send(&app, Method::POST, "/v2/contacts/upsert", &token, body).await;
    assert_eq!(answer["new"], true);
    let (_, answer) = send(
        &app,
        Method::POST,
        "/v2/contacts/upsert",
        &token,
        json!({ "locationId": world.sub_a, "email": "twin@b.co" }),
    )
    .await;
    assert_eq!(answer["new"], false, "without the flag an upsert updates the oldest");
}

#[tokio::test]
async fn tags_are_added_and_removed_one_request_at_a_time() {
    let (app, world, token, _, _) = contacts_world().await;
    let (_, body) =
        create(&app, &token, json!({ "locationId": world.sub_a, "email": "t@b.co", "tags": ["one"] })).await;
    let id = body["contact"]["id"].as_str().expect("id").to_owned();
    let (status, body) = send(
        &app,
        Method::POST,
        &format!("/v2/contacts/{id}/tags"),
        &token,
        json!({ "tags": ["Two", "one"] }),
    )
    .await;
    assert_eq!((status, body), (201, json!({ "tags": ["one", "two"] })));
    let (status, body) =
        send(&app, Method::DELETE, &format!("/v2/contacts/{id}/tags"), &token, json!({ "tags": ["ONE"] }))
            .await;
    assert_eq!((status, body), (200, json!({ "tags": ["two"] })));
    let (status, body) =
        send(&app, Method::POST, &format!("/v2/contacts/{id}/tags"), &token, json!({ "tags": [] })).await;
    assert_eq!((status, body["message"].as_str()), (422, Some("tags: Give at least one tag.")));
    let events = crate::support::audit_details(&app, world.agency, "api.contact.update");
    assert_eq!(events[0]["tags_removed"], json!(["one"]));
    assert_eq!(events[1]["tags_added"], json!(["two"]));
}

async fn search(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    send(app, Method::POST, "/v2/contacts/search", token, body).await
}

fn emails(body: &Value) -> Vec<String> {
    body["contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .map(|c| c["email"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn searches_filter_group_sort_and_page_like_highlevels() {
    let (app, world, token, _, _) = contacts_world().await;
    let location = world.sub_a;
    let people = [
        ("ada@b.co", "Ada", "Lovelace", "London", vec!["vip"], false),
        ("bob@b.co", "Bob", "Marley", "Kingston", vec![], true),
        ("cy@b.co", "Cy", "Twombly", "Lexington", vec!["vip", "art"], false),
        ("di@b.co", "Di", "Fossey", "", vec!["art"], false),
    ];
    for (email, first, last, city, tags, dnd) in &people {
        let body = json!({ "locationId": location, "email": email, "firstName": first, "lastName": last, "city": city, "tags": tags, "dnd": dnd });
        assert_eq!(create(&app, &token, body).await.0, 201);
        app.clock.advance(chrono::Duration::seconds(1));
    }
    let run = |filters: Value| {
        search(&app, &token, json!({ "locationId": location, "filters": filters, "pageLimit": 20 }))
    };

    let (status, body) = run(json!([])).await;
    assert_eq!((status, body["total"].as_i64()), (200, Some(4)));
    assert_eq!(emails(&body), ["di@b.co", "cy@b.co", "bob@b.co", "ada@b.co"], "newest first");
    let (_, body) = run(json!([{ "field": "tags", "operator": "eq", "value": "vip" }])).await;
    assert_eq!(emails(&body), ["cy@b.co", "ada@b.co"]);
    let (_, body) = run(json!([{ "field": "city", "operator": "contains", "value": "ON" }])).await;
    assert_eq!(emails(&body), ["cy@b.co", "bob@b.co", "ada@b.co"], "case-insensitive");
    let (_, body) = run(json!([{ "field": "city", "operator": "not_exists" }])).await;
    assert_eq!(emails(&body), ["di@b.co"]);
    let (_, body) = run(json!([{ "field": "city", "operator": "not_eq", "value": "london" }])).await;
    assert_eq!(
        emails(&body),
        ["di@b.co", "cy@b.co", "bob@b.co"],
        "a contact without a city is not London either"
    );
    let (_, body) = run(json!([{ "field": "dnd", "operator": "eq", "value": true }])).await;
    assert_eq!(emails(&body), ["bob@b.co"]);
    let (_, body) = run(json!([{
        "group": "OR",
        "filters": [
            { "field": "firstNameLowerCase", "operator": "eq", "value": "ada" },
            { "group": "AND", "filters": [
                { "field": "tags", "operator": "eq", "value": "art" },
                { "field": "lastName", "operator": "contains", "value": "fos" },
            ]},
        ],
    }]))
    .await;
    assert_eq!(emails(&body), ["di@b.co", "ada@b.co"]);
    let start = "2026-03-01T09:00:01Z";
    let (_, body) = run(json!([{ "field": "dateAdded", "operator": "range", "value": { "gte": start, "lt": "2026-03-01T09:00:03Z" } }])).await;
    assert_eq!(emails(&body), ["cy@b.co", "bob@b.co"]);

    let (_, body) = search(&app, &token, json!({ "locationId": location, "query": "MARL" })).await;
    assert_eq!(emails(&body), ["bob@b.co"], "free text over names, email, phone and company");
    let (_, body) = search(&app, &token, json!({ "locationId": location, "sort": [{ "field": "lastNameLowerCase", "direction": "asc" }], "pageLimit": 2, "page": 2 })).await;
    assert_eq!(
        (emails(&body), body["total"].as_i64()),
        (vec!["bob@b.co".to_owned(), "cy@b.co".to_owned()], Some(4))
    );

    let (status, past) =
        search(&app, &token, json!({ "locationId": location, "page": 600, "pageLimit": 20 })).await;
    assert_eq!(
        (status, emails(&past).len(), past["total"].as_i64()),
        (200, 0, Some(4)),
        "past the first 10,000: empty"
    );
    for (body, message) in [
        (
            json!({ "locationId": location, "filters": [{ "field": "password", "operator": "eq", "value": "x" }] }),
            "filters[0].field: password is not a field a search can use.",
        ),
        (
            json!({ "locationId": location, "filters": [{ "field": "dnd", "operator": "contains", "value": "x" }] }),
            "filters[0].operator: This operator does not suit the field.",
        ),
        (
            json!({ "locationId": location, "filters": [{ "field": "dateAdded", "operator": "range", "value": {} }] }),
            "filters[0].value: Give at least one of gte, gt, lte, lt.",
        ),
        (json!({ "locationId": location, "pageLimit": 501 }), "pageLimit: Use a whole number from 1 to 500."),
        (
            json!({ "locationId": location, "searchAfter": [1, "x"] }),
            "searchAfter: Not supported by this server: use page.",
        ),
    ] {
        let (status, answer) = search(&app, &token, body.clone()).await;
        assert_eq!((status, answer["message"].as_str()), (422, Some(message)), "{body}");
    }
}

#[tokio::test]
async fn listing_pages_with_start_after_id_and_counts_every_contact() {
    let (app, world, token, _, _) = contacts_world().await;
    for n in 0..5 {
        create(&app, &token, json!({ "locationId": world.sub_a, "email": format!("p{n}@b.co") })).await;
        app.clock.advance(chrono::Duration::seconds(1));
    }
    let api = Api::new(&app);
    let (status, page) =
        api.get(&format!("/v2/contacts/?locationId={}&limit=2", world.sub_a), Some(&token)).await;
    assert_eq!((status, page["count"].as_i64(), page["meta"]["total"].as_i64()), (200, Some(5), Some(5)));
    assert_eq!(emails(&page), ["p4@b.co", "p3@b.co"]);
    let next = page["meta"]["nextPageUrl"].as_str().expect("a next page").to_owned();
    let (_, page) = api.get(&next, Some(&token)).await;
    assert_eq!(emails(&page), ["p2@b.co", "p1@b.co"]);
    let last = page["meta"]["startAfterId"].as_str().expect("cursor").to_owned();
    let (_, page) = api
        .get(&format!("/v2/contacts?locationId={}&limit=2&startAfterId={last}", world.sub_a), Some(&token))
        .await;
    assert_eq!(emails(&page), ["p0@b.co"]);
    assert_eq!(page["meta"]["nextPageUrl"], Value::Null, "the last page");
}

#[tokio::test]
async fn paths_versions_and_methods_answer_as_highlevels_clients_expect() {
    let (app, world, token, _, _) = contacts_world().await;
    let client = reqwest::Client::new();
    for (path, version) in
        [("/v2/contacts/", Some("2023-02-21")), ("/v2/contacts", Some("2021-07-28")), ("/v2/contacts/", None)]
    {
        let mut request =
            client.get(format!("{}{path}?locationId={}", app.address, world.sub_a)).bearer_auth(&token);
        if let Some(version) = version {
            request = request.header("Version", version);
        }
        assert_eq!(request.send().await.expect("call").status().as_u16(), 200, "{path} {version:?}");
    }
    let answer = client
        .get(format!("{}/v2/contacts/?locationId={}", app.address, world.sub_a))
        .bearer_auth(&token)
        .header("Version", "1999-01-01")
        .send()
        .await
        .expect("call");
    assert_eq!(answer.status().as_u16(), 400);
    let body: Value = answer.json().await.expect("json");
    assert!(body["message"].as_str().expect("message").starts_with("The Version header must be one of"));

    for method in [Method::PATCH, Method::TRACE] {
        let answer = client
            .request(method.clone(), format!("{}/v2/contacts/{}", app.address, uuid::Uuid::new_v4()))
            .bearer_auth(&token)
            .send()
            .await
            .expect("call");
        assert_eq!(answer.status().as_u16(), 405, "{method}");
        assert_eq!(answer.headers().get("allow").and_then(|v| v.to_str().ok()), Some("GET, PUT, DELETE"));
    }
    let answer = client
        .get(format!("{}/v2/nothing/here", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .expect("call");
    assert_eq!(answer.status().as_u16(), 404);
    assert_eq!(
        answer.json::<Value>().await.expect("json"),
        json!({ "statusCode": 404, "message": "Not found" })
    );
}

#[tokio::test]
async fn counts_stop_at_ten_thousand_as_searches_do() {
    let (app, world, token, _, _) = contacts_world().await;
    {
        use diesel::prelude::*;
        diesel::sql_query(format!(
            "INSERT INTO contacts (id, sub_account_id, email, created_at, updated_at)
             SELECT gen_random_uuid(), '{}', 'bulk' || i || '@b.co', now(), now() FROM generate_series(1, 10050) i",
            world.sub_a
        ))
        .execute(&mut app.conn())
        .expect("bulk contacts");
    }
    let (_, listed) =
        Api::new(&app).get(&format!("/v2/contacts/?locationId={}&limit=1", world.sub_a), Some(&token)).await;
    assert_eq!((listed["count"].as_i64(), listed["meta"]["total"].as_i64()), (Some(10_000), Some(10_000)));
    let (_, found) = search(&app, &token, json!({ "locationId": world.sub_a, "query": "bulk1" })).await;
    assert_eq!(
        found["total"].as_i64(),
        Some(1 + 10 + 100 + 1000 + 51),
        "bulk1, bulk10–19, … an exact count below the cap"
    );
}

#[tokio::test]
async fn an_update_cannot_move_a_contact_to_another_location() {
    let (app, world, token, _, _) = contacts_world().await;
    let (_, body) = create(&app, &token, json!({ "locationId": world.sub_a, "firstName": "Stay" })).await;
    let id = body["contact"]["id"].as_str().expect("id").to_owned();
    let path = format!("/v2/contacts/{id}");
    for location in [world.sub_b.to_string(), "somewhere".to_owned()] {
        let (status, body) =
            send(&app, Method::PUT, &path, &token, json!({ "locationId": location, "firstName": "Moved" }))
                .await;
        assert_eq!(
            (status, body["message"].as_str()),
            (422, Some("locationId: A contact cannot move to another location.")),
            "{location}"
        );
    }
    let (status, body) =
        send(&app, Method::PUT, &path, &token, json!({ "locationId": world.sub_a, "firstName": "Stayed" }))
            .await;
    assert_eq!(
        (status, body["contact"]["firstName"].as_str()),
        (200, Some("Stayed")),
        "its own location is fine"
    );
    let (_, body) = Api::new(&app).get(&path, Some(&token)).await;
    assert_eq!(body["contact"]["locationId"], world.sub_a.to_string());
}
