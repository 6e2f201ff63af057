//! The authorization matrix over every Settings route the app registers: plain users and
//! other tenants are refused everywhere, and refused requests change nothing. Routes come
//! from the app's own inventory, so a new route without an authorization rule fails here.

use diesel::prelude::*;
use private_integrations::db::schema::{agencies, integrations, sub_accounts, users, webhook_endpoints};
use private_integrations::domain::ids::UserId;

use crate::support::{PASSWORD, TestApp, create_integration, people, seed};

type Snapshot = (
    Vec<(String, String, bool, bool, bool)>,
    Vec<(String, bool)>,
    Vec<bool>,
    Vec<bool>,
    Vec<(String, bool, Vec<u8>)>,
);

/// What a refused request must not change: integrations, people, Labs flags, webhook
/// endpoints (their URL, state and secret).
fn snapshot(app: &TestApp) -> Snapshot {
    let mut conn = app.conn();
    let people = users::table
        .order(users::email)
        .select((users::email, users::role, users::active, users::manage_team, users::manage_integrations))
        .load(&mut conn)
        .expect("users");
    let integrations = integrations::table
        .order(integrations::name)
        .select((integrations::name, integrations::deleted_at.is_null()))
        .load(&mut conn)
        .expect("integrations");
    let agency_labs =
        agencies::table.select(agencies::labs_private_integrations).load(&mut conn).expect("labs");
    let sub_labs =
        sub_accounts::table.select(sub_accounts::labs_private_integrations).load(&mut conn).expect("labs");
    let endpoints = webhook_endpoints::table
        .order(webhook_endpoints::url)
        .select((
            webhook_endpoints::url,
            webhook_endpoints::disabled_at.is_null(),
            webhook_endpoints::secret_sealed,
        ))
        .load(&mut conn)
        .expect("endpoints");
    (people, integrations, agency_labs, sub_labs, endpoints)
}

fn user_id(app: &TestApp, email: &str) -> UserId {
    users::table.filter(users::email.eq(email)).select(users::id).first(&mut app.conn()).expect("user")
}

#[tokio::test]
async fn every_settings_route_refuses_plain_users_and_other_tenants() {
    let mut app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (agency_integration, _) =
        create_integration(&app, "/settings/private-integrations", "HQ", &["users.readonly"]).await;
    let sub_base = format!("/locations/{}/settings/private-integrations", world.sub_a);
    let (sub_integration, _) = create_integration(&app, &sub_base, "Desk", &["contacts.readonly"]).await;
    let id_of = |url: &str| url.rsplit('/').next().expect("id").to_owned();
    let (agency_integration, sub_integration) = (id_of(&agency_integration), id_of(&sub_integration));
    let (agency_person, staff_person) = (user_id(&app, people::AGENCY_USER), user_id(&app, people::USER_A));
    let endpoint = |base: String| {
        let app = &app;
        async move {
            app.get(&format!("{base}/new")).await;
            let created = app
                .post_form(
                    &format!("{base}/new"),
                    &[("url", "http://127.0.0.1:9/h"), ("events", "token.expiring")],
                )
                .await;
            assert_eq!(created.status, 303, "{}", created.body);
            created.location().trim_end_matches("/secret").rsplit('/').next().expect("id").to_owned()
        }
    };
    let agency_endpoint = endpoint("/settings/webhooks".to_owned()).await;
    let sub_endpoint = endpoint(format!("/locations/{}/settings/webhooks", world.sub_a)).await;

    let routes = private_integrations::routes::settings_routes();
    assert!(routes.len() >= 44, "the inventory holds every Settings route: {routes:?}");
    let concrete: Vec<(String, String, bool)> = routes
        .iter()
        .map(|route| {
            let (method, pattern) = route.split_once(' ').expect("METHOD /path");
            let in_sub_account = pattern.starts_with("/locations/");
            let path = pattern
                .replace("{sub_account_id}", &world.sub_a.to_string())
                .replace(
                    "{integration_id}",
                    if in_sub_account { &sub_integration } else { &agency_integration },
                )
                .replace("{user_id}", &if in_sub_account { staff_person } else { agency_person }.to_string())
                .replace("{endpoint_id}", if in_sub_account { &sub_endpoint } else { &agency_endpoint });
            (method.to_owned(), path, in_sub_account)
        })
        .collect();

    let before = snapshot(&app);
    // (who, expected status for agency routes, for sub-account routes); None: not checked.
    let cases = [
        (people::AGENCY_USER, Some(403), 403),
        (people::USER_A, Some(404), 403),
        (people::OTHER_OWNER, None, 404),
    ];
    for (email, agency_status, sub_status) in cases {
        app.forget_cookies();
        app.sign_in(email, PASSWORD).await;
        for (method, path, in_sub_account) in &concrete {
            let expected = if *in_sub_account {
                sub_status
            } else if path.contains(&agency_integration)
                || path.contains(&agency_person.to_string())
                || path.contains(&agency_endpoint)
            {
                // Another agency's objects are not found, whoever asks.
                agency_status.unwrap_or(404)
            } else if let Some(status) = agency_status {
                status
            } else {
                continue; // Another agency's admin in their own agency's Settings.
            };
            let status = if method == "GET" {
                app.get(path).await.status
            } else {
                app.post_form(
                    path,
                    &[
                        ("name", "Hijack"),
                        ("description", ""),
                        ("scopes", "users.readonly"),
                        ("step", "save"),
                        ("role", "agency_admin"),
                        ("url", "https://attacker.example/h"),
                        ("events", "integration.created"),
                    ],
                )
                .await
                .status
            };
            assert_eq!(status, expected, "{email}: {method} {path}");
        }
    }
    assert_eq!(snapshot(&app), before, "refused requests changed nothing");
}
