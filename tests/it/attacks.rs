//! The holes a black-box attacker found (issue "Earn the trust we sell"), each written as
//! the attack, then what must hold: nobody gains what nobody granted, a token never
//! reaches beyond its level, throttles and guards hold under parallel requests, a
//! revoked session never comes back, a token is revealed once, and behind a proxy every
//! client is told apart.

use diesel::prelude::*;
use private_integrations::db::schema::{sub_account_memberships, users};
use private_integrations::domain::ids::{SubAccountId, UserId};
use reqwest::Method;

use crate::api::{AGENCY, send};
use crate::support::{
    Options, PASSWORD, TestApp, create_integration, join_all, people, revealed_token, seed,
};

fn user_id(app: &TestApp, email: &str) -> UserId {
    users::table.filter(users::email.eq(email)).select(users::id).first(&mut app.conn()).expect("user")
}

fn flag(app: &TestApp, email: &str, column: &str) -> bool {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "(SELECT {column} FROM users WHERE email = '{email}')"
    )))
    .get_result(&mut app.conn())
    .expect("flag")
}

fn memberships(app: &TestApp, user: UserId) -> Vec<SubAccountId> {
    let mut subs: Vec<SubAccountId> = sub_account_memberships::table
        .filter(sub_account_memberships::user_id.eq(user))
        .select(sub_account_memberships::sub_account_id)
        .load(&mut app.conn())
        .expect("memberships");
    subs.sort();
    subs
}

// 1. Self-grant --------------------------------------------------------------------------

#[tokio::test]
async fn an_account_admin_cannot_give_themselves_back_a_permission_nor_hand_it_to_a_newcomer() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let admin_a = user_id(&app, people::ADMIN_A);
    let team_url = format!("/settings/team/{admin_a}");
    app.get(&team_url).await;
    let sub_a = world.sub_a.to_string();
    let saved = app
        .post_form(&team_url, &[("role", "account_admin"), ("manage_staff", "on"), ("sub_accounts", &sub_a)])
        .await;
    assert_eq!(saved.status, 303);
    assert!(!flag(&app, people::ADMIN_A, "manage_integrations"));

    let admin = app.new_browser();
    admin.sign_in(people::ADMIN_A, PASSWORD).await;
    let staff = format!("/locations/{}/settings/my-staff", world.sub_a);
    let own = admin.get(&format!("{staff}/{admin_a}")).await;
    assert_eq!(own.status, 200);
    assert!(own.body.contains("ask another"), "their own row is read-only:\n{}", own.body);
    assert!(!own.body.contains(&format!("action=\"{staff}/{admin_a}\"")), "no form to save them");
    let attempt = admin
        .post_form(
            &format!("{staff}/{admin_a}"),
            &[("role", "account_admin"), ("manage_integrations", "on"), ("manage_staff", "on")],
        )
        .await;
    assert_eq!(attempt.status, 403, "{}", attempt.body);
    assert!(!flag(&app, people::ADMIN_A, "manage_integrations"), "no self-grant");

    // A newcomer's role defaults are cut down to what the manager holds.
    admin.get(&format!("{staff}/new")).await;
    let added = admin
        .post_form(
            &format!("{staff}/new"),
            &[
                ("name", "Nia"),
                ("email", "nia@acme.test"),
                ("role", "account_admin"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    assert!(!flag(&app, "nia@acme.test", "manage_integrations"), "nobody gains what nobody granted");
    assert!(flag(&app, "nia@acme.test", "manage_staff"), "what the manager holds is given");
}

#[tokio::test]
async fn a_manager_grants_only_permissions_they_hold_and_sees_the_others_disabled() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    // A second team manager without "Manage agency private integrations".
    let mut conn = app.conn();
    diesel::update(users::table.filter(users::email.eq(people::AGENCY_USER)))
        .set((users::role.eq("agency_admin"), users::manage_team.eq(true)))
        .execute(&mut conn)
        .expect("promote");
    let manager = app.new_browser();
    manager.sign_in(people::AGENCY_USER, PASSWORD).await;
    let owner_url = format!("/settings/team/{}", user_id(&app, people::OWNER));
    let page = manager.get(&owner_url).await;
    let disabled: Vec<String> = page
        .html()
        .select(&scraper::Selector::parse("input[type=checkbox][disabled]").expect("selector"))
        .filter_map(|input| input.value().attr("name").map(str::to_owned))
        .collect();
    assert_eq!(disabled, ["manage_agency_integrations", "manage_sub_account_integrations"], "{}", page.body);

    // Switching a toggle the manager lacks, through a forged form, changes nothing.
    let agency_user_url = format!("/settings/team/{}", user_id(&app, people::ADMIN_A));
    manager.get(&agency_user_url).await;
    let before =
        (flag(&app, people::OWNER, "manage_agency_integrations"), flag(&app, people::OWNER, "manage_team"));
    manager.post_form(&owner_url, &[("role", "agency_admin"), ("manage_team", "on")]).await;
    assert_eq!(
        (flag(&app, people::OWNER, "manage_agency_integrations"), flag(&app, people::OWNER, "manage_team")),
        before,
        "a toggle the manager lacks keeps its value"
    );
}

// 2. A token mints a lasting dashboard login ----------------------------------------------

#[tokio::test]
async fn a_token_never_creates_promotes_or_edits_an_admin() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (_, token) = create_integration(&app, AGENCY, "HR", &["users.readonly", "users.write"]).await;
    let refused = "The token cannot manage admins";

    for kind in ["agency", "account"] {
        let mut body = serde_json::json!({
            "companyId": world.agency, "firstName": "Mallory", "lastName": "Evil",
            "email": format!("m.{kind}@evil.test"), "type": kind, "role": "admin",
            "password": "a lasting dashboard login", "locationIds": [],
        });
        if kind == "account" {
            body["locationIds"] = serde_json::json!([world.sub_a]);
        }
        let (status, answer) = send(&app, Method::POST, "/v2/users/", &token, body).await;
        assert_eq!((status, answer["message"].as_str()), (403, Some(refused)), "{kind}");
    }
    let plain = user_id(&app, people::AGENCY_USER);
    let (status, answer) = send(
        &app,
        Method::PUT,
        &format!("/v2/users/{plain}"),
        &token,
        serde_json::json!({ "role": "admin" }),
    )
    .await;
    assert_eq!((status, answer["message"].as_str()), (403, Some(refused)));
    assert!(!flag(&app, people::AGENCY_USER, "manage_team"));
    let admin = user_id(&app, people::ADMIN_A);
    for (method, body) in [
        (Method::PUT, serde_json::json!({ "firstName": "Renamed" })),
        (Method::DELETE, serde_json::json!({})),
    ] {
        let (status, answer) = send(&app, method, &format!("/v2/users/{admin}"), &token, body).await;
        assert_eq!((status, answer["message"].as_str()), (403, Some(refused)));
    }
    let count: i64 = users::table.count().get_result(&mut app.conn()).expect("count");
    assert_eq!(count, 5, "nobody was added");
}

// 3. Sideways through a sub-account token -------------------------------------------------

#[tokio::test]
async fn a_sub_account_token_changes_only_its_own_sub_accounts_membership() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let user_a = user_id(&app, people::USER_A);
    diesel::insert_into(sub_account_memberships::table)
        .values((
            sub_account_memberships::user_id.eq(user_a),
            sub_account_memberships::sub_account_id.eq(world.sub_b),
            sub_account_memberships::agency_id.eq(world.agency),
        ))
        .execute(&mut app.conn())
        .expect("also in B");
    let base = format!("/locations/{}/settings/private-integrations", world.sub_a);
    let (_, token) = create_integration(&app, &base, "Desk", &["users.readonly", "users.write"]).await;
    let mut both = vec![world.sub_a, world.sub_b];
    both.sort();

    let (status, _) = send(
        &app,
        Method::PUT,
        &format!("/v2/users/{user_a}"),
        &token,
        serde_json::json!({ "locationIds": [world.sub_a] }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(memberships(&app, user_a), both, "B is untouched");

    // Renaming them would rename them in B too: as from A's My Staff, refused.
    let (status, answer) = send(
        &app,
        Method::PUT,
        &format!("/v2/users/{user_a}"),
        &token,
        serde_json::json!({ "type": "account", "role": "user", "firstName": "Renamed" }),
    )
    .await;
    assert_eq!(
        (status, answer["message"].as_str()),
        (403, Some("The token does not have access to this location"))
    );
    let (status, answer) = send(
        &app,
        Method::PUT,
        &format!("/v2/users/{user_a}"),
        &token,
        serde_json::json!({ "type": "account", "role": "user" }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let (status, _) =
        send(&app, Method::DELETE, &format!("/v2/users/{user_a}"), &token, serde_json::json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(memberships(&app, user_a), [world.sub_b], "removed from A only");
    let still: i64 =
        users::table.filter(users::id.eq(user_a)).count().get_result(&mut app.conn()).expect("count");
    assert_eq!(still, 1, "still a person of the agency");
}

// 4. Parallel sign-in bypasses the throttle -----------------------------------------------

#[tokio::test]
async fn forty_parallel_wrong_passwords_check_at_most_five() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.get("/sign-in").await;
    let before = app.state().passwords.verifications();
    let attempts = (0..40)
        .map(|_| app.post_form("/sign-in", &[("email", people::OWNER), ("password", "wrong password")]));
    let statuses: Vec<u16> = futures_statuses(attempts).await;
    let checked = statuses.iter().filter(|status| **status == 401).count();
    assert_eq!(checked, 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|status| **status == 429).count(), 35);
    assert_eq!(
        app.state().passwords.verifications() - before,
        5,
        "a slot is taken before the password is checked"
    );
}

async fn futures_statuses(
    pages: impl Iterator<Item = impl std::future::Future<Output = crate::support::Page>>,
) -> Vec<u16> {
    let handles: Vec<_> = pages.collect();
    let mut statuses = Vec::new();
    for page in join_all(handles).await {
        statuses.push(page.status);
    }
    statuses
}

// 5. The last team manager loses a race ---------------------------------------------------

#[tokio::test]
async fn two_managers_demoting_each_other_at_once_leave_one_team_manager() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    let second = "agency.user@acme.test";
    diesel::update(users::table.filter(users::email.eq(second)))
        .set((users::role.eq("agency_admin"), users::manage_team.eq(true)))
        .execute(&mut app.conn())
        .expect("second manager");
    let (first_id, second_id) = (world.owner, user_id(&app, second));
    let first_browser = app.new_browser();
    first_browser.sign_in(people::OWNER, PASSWORD).await;
    let second_browser = app.new_browser();
    second_browser.sign_in(second, PASSWORD).await;
    for round in 0..6 {
        // Both managers again, then each demotes the other at the same moment.
        diesel::update(users::table.filter(users::id.eq_any([first_id, second_id])))
            .set((users::role.eq("agency_admin"), users::manage_team.eq(true)))
            .execute(&mut app.conn())
            .expect("reset");
        first_browser.get(&format!("/settings/team/{second_id}")).await;
        second_browser.get(&format!("/settings/team/{first_id}")).await;
        let (second_url, first_url) =
            (format!("/settings/team/{second_id}"), format!("/settings/team/{first_id}"));
        let demote_second = first_browser.post_form(&second_url, &[("role", "agency_user")]);
        let demote_first = second_browser.post_form(&first_url, &[("role", "agency_user")]);
        join_all(vec![demote_second, demote_first]).await;
        let managers: i64 = users::table
            .filter(users::agency_id.eq(world.agency))
            .filter(users::manage_team.eq(true))
            .filter(users::role.eq("agency_admin"))
            .filter(users::active.eq(true))
            .count()
            .get_result(&mut app.conn())
            .expect("count");
        assert_eq!(managers, 1, "round {round}: exactly one team manager is left");
    }
}

// 6. A revoked session comes back ---------------------------------------------------------

#[tokio::test]
async fn a_session_ended_while_a_request_was_in_flight_is_not_saved_again() {
    use actix_session::storage::{SessionKey, SessionStore as _};
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    let store = private_integrations::web::session::PgSessionStore::new(app.state().clone());
    let ttl = actix_web::cookie::time::Duration::hours(2);
    let mut state = std::collections::HashMap::new();
    state.insert("user_id".to_owned(), serde_json::to_string(&world.owner).expect("json"));
    let key: SessionKey = store.save(state.clone(), &ttl).await.expect("saved");
    // "Sign out everywhere" ends it while a request holding it is still in flight…
    private_integrations::db::sessions::delete_for_user(&mut app.conn(), world.owner).expect("ended");
    // …and that request now saves what it had loaded.
    let answered = store.update(key, state, &ttl).await.expect("answered");
    assert!(store.load(&answered).await.expect("load").is_none(), "the session stays ended");
    let rows: i64 =
        private_integrations::db::schema::sessions::table.count().get_result(&mut app.conn()).expect("count");
    assert_eq!(rows, 0, "no fresh session for its holder");
}

// 7. The one-time reveal is not one-time ----------------------------------------------------

#[tokio::test]
async fn parallel_reveals_show_the_token_exactly_once() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    for round in 0..5 {
        app.get(&format!("{AGENCY}/new")).await;
        app.post_form(&format!("{AGENCY}/new"), &[("name", &format!("App {round}")), ("description", "")])
            .await;
        let created = app
            .post_form(&format!("{AGENCY}/new/scopes"), &[("scopes", "users.readonly"), ("step", "save")])
            .await;
        let reveal = created.location().to_owned();
        let pages = join_all((0..3).map(|_| app.get(&reveal)).collect()).await;
        let shown = pages.iter().filter(|page| revealed_token(page).is_some()).count();
        assert_eq!(shown, 1, "round {round}");
    }
}

// 8. Behind a proxy every client is one address ---------------------------------------------

#[tokio::test]
async fn behind_a_trusted_proxy_clients_are_told_apart_and_cannot_lock_each_other_out() {
    let app = TestApp::spawn_with(Options {
        env: vec![("TRUSTED_PROXIES", "127.0.0.1/32".to_owned())],
        database: None,
        database_url: None,
    })
    .await;
    seed(&mut app.conn());
    let from = |ip: &'static str| {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        (client, ip)
    };
    async fn attempt(
        app: &TestApp,
        (client, ip): &(reqwest::Client, &str),
        email: &str,
        password: &str,
    ) -> u16 {
        let page = client
            .get(format!("{}/sign-in", app.address))
            .header("X-Forwarded-For", *ip)
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("body");
        let csrf = scraper::Html::parse_document(&page)
            .select(&scraper::Selector::parse("input[name=csrf_token]").expect("selector"))
            .next()
            .and_then(|input| input.value().attr("value").map(str::to_owned))
            .expect("csrf");
        client
            .post(format!("{}/sign-in", app.address))
            .header("X-Forwarded-For", *ip)
            .header("Origin", &app.address)
            .form(&[("csrf_token", csrf.as_str()), ("email", email), ("password", password)])
            .send()
            .await
            .expect("post")
            .status()
            .as_u16()
    }
    let attacker = from("203.0.113.66");
    for _ in 0..25 {
        attempt(&app, &attacker, "nobody@acme.test", "guess").await;
    }
    assert_eq!(
        attempt(&app, &attacker, "nobody@acme.test", "guess").await,
        429,
        "the attacker's address is throttled"
    );
    let someone_else = from("198.51.100.7");
    assert_eq!(attempt(&app, &someone_else, people::ADMIN_A, PASSWORD).await, 303, "another client is not");

    // Five failures on a known email from the attacker's address do not lock its owner out.
    let attacker2 = from("203.0.113.67");
    for _ in 0..6 {
        attempt(&app, &attacker2, people::OWNER, "guess").await;
    }
    let owner = from("198.51.100.8");
    assert_eq!(attempt(&app, &owner, people::OWNER, PASSWORD).await, 303, "the real user still signs in");

    let events: Vec<Option<String>> = private_integrations::db::schema::audit_events::table
        .filter(private_integrations::db::schema::audit_events::action.eq("user.sign_in"))
        .select(private_integrations::db::schema::audit_events::ip)
        .load(&mut app.conn())
        .expect("events");
    assert!(events.contains(&Some("198.51.100.8".to_owned())), "the audit log names the client: {events:?}");

    // Without a trusted proxy, the header is ignored: a client cannot pick its address.
    let direct = TestApp::spawn().await;
    seed(&mut direct.conn());
    let spoofer = from("192.0.2.99");
    attempt(&direct, &spoofer, people::OWNER, PASSWORD).await;
    let ips: Vec<Option<String>> = private_integrations::db::schema::audit_events::table
        .select(private_integrations::db::schema::audit_events::ip)
        .load(&mut direct.conn())
        .expect("events");
    assert!(ips.iter().all(|ip| ip.as_deref() == Some("127.0.0.1")), "{ips:?}");
}

#[tokio::test]
async fn guesses_spread_over_many_addresses_do_not_lock_out_a_browser_that_signed_in_before() {
    let app = TestApp::spawn_with(Options {
        env: vec![("TRUSTED_PROXIES", "127.0.0.1/32".to_owned())],
        database: None,
        database_url: None,
    })
    .await;
    seed(&mut app.conn());
    let sign_in = |client: reqwest::Client, ip: String, password: &'static str| {
        let address = app.address.clone();
        async move {
            let page = client
                .get(format!("{address}/sign-in"))
                .header("X-Forwarded-For", &ip)
                .send()
                .await
                .expect("get")
                .text()
                .await
                .expect("body");
            let csrf = crate::support::csrf_in_page(&page).expect("csrf");
            client
                .post(format!("{address}/sign-in"))
                .header("X-Forwarded-For", &ip)
                .header("Origin", &address)
                .form(&[("csrf_token", csrf.as_str()), ("email", people::OWNER), ("password", password)])
                .send()
                .await
                .expect("post")
                .status()
                .as_u16()
        }
    };
    let browser = || {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    };
    // The owner's own browser signed in before: it holds their device cookie.
    let own = browser();
    assert_eq!(sign_in(own.clone(), "198.51.100.8".to_owned(), PASSWORD).await, 303);
    diesel::delete(private_integrations::db::schema::sessions::table)
        .execute(&mut app.conn())
        .expect("signed out");
    // Twenty guesses from twenty addresses.
    for n in 0..20 {
        assert_eq!(sign_in(browser(), format!("203.0.113.{n}"), "guess").await, 401);
    }
    assert_eq!(
        sign_in(browser(), "192.0.2.50".to_owned(), PASSWORD).await,
        429,
        "an unknown browser is held back: the email is under attack"
    );
    assert_eq!(sign_in(own, "198.51.100.99".to_owned(), PASSWORD).await, 303, "the owner's browser is not");
}
