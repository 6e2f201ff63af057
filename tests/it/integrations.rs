//! Settings > Private Integrations: the wizard, the one-time reveal, detail, edit, delete,
//! Labs, and who may reach what.

use diesel::prelude::*;
use private_integrations::db::schema::{integration_tokens, integrations, sessions};
use private_integrations::domain::token::TokenSecret;

use crate::support::{PASSWORD, Page, TestApp, World, people, seed};

const AGENCY: &str = "/settings/private-integrations";

fn sub_base(id: impl std::fmt::Display) -> String {
    format!("/locations/{id}/settings/private-integrations")
}

/// Runs the whole wizard; returns the detail URL and the revealed token.
async fn create(
    app: &TestApp,
    base: &str,
    name: &str,
    description: &str,
    scopes: &[&str],
) -> (String, String) {
    assert_eq!(app.get(&format!("{base}/new")).await.status, 200);
    let next = app.post_form(&format!("{base}/new"), &[("name", name), ("description", description)]).await;
    assert_eq!(next.status, 303, "{}", next.body);
    assert_eq!(next.location(), format!("{base}/new/scopes"));
    app.get(next.location()).await;
    let mut fields: Vec<(&str, &str)> = scopes.iter().map(|scope| ("scopes", *scope)).collect();
    fields.push(("step", "save"));
    let created = app.post_form(&format!("{base}/new/scopes"), &fields).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let reveal = app.get(created.location()).await;
    assert_eq!(reveal.status, 200);
    let token = token_on(&reveal).expect("the token is revealed");
    (created.location().trim_end_matches("/reveal").to_owned(), token)
}

fn token_on(page: &Page) -> Option<String> {
    page.html()
        .select(&scraper::Selector::parse("#token").expect("selector"))
        .next()
        .and_then(|input| input.value().attr("value").map(str::to_owned))
}

fn count_integrations(app: &TestApp) -> i64 {
    integrations::table.count().get_result(&mut app.conn()).expect("count")
}

#[tokio::test]
async fn creating_an_integration_reveals_its_token_exactly_once() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let empty = app.get(AGENCY).await;
    assert_eq!(empty.text(".empty-state h2"), "No private integrations yet");
    assert!(empty.text(".empty-state").contains("Create new Integration"));

    let (detail, token) =
        create(&app, AGENCY, "Zapier sync", "Syncs locations", &["locations.readonly", "users.readonly"])
            .await;
    let parsed = TokenSecret::parse(&token).expect("a well-formed token with a valid checksum");

    // Stored only as its digest; the session holds it sealed, never in clear.
    let digests: Vec<Vec<u8>> =
        integration_tokens::table.select(integration_tokens::digest).load(&mut app.conn()).expect("q");
    assert_eq!(digests, [app.state_digest(&parsed)]);
    let states: Vec<serde_json::Value> =
        sessions::table.select(sessions::state).load(&mut app.conn()).expect("q");
    assert!(
        states.iter().all(|state| !state.to_string().contains(&token[4..])),
        "no plaintext token in sessions"
    );

    // The reveal is gone on reload.
    let again = app.get(&format!("{detail}/reveal")).await;
    assert_eq!(again.status, 200);
    assert_eq!(token_on(&again), None);
    assert_eq!(again.text("h1"), "Token no longer available");
    assert!(again.header("cache-control").contains("no-store"));

    let list = app.get(AGENCY).await;
    let row = list.text("tbody tr");
    for part in ["Zapier sync", "Syncs locations", "2 scopes", "Active", "Never used", people::OWNER] {
        assert!(row.contains(part), "{part:?} missing from {row:?}");
    }
    let actions = crate::support::actions(&app, world.agency);
    assert!(actions.contains(&"integration.create".to_owned()), "{actions:?}");
}

#[tokio::test]
async fn a_draft_sent_many_times_at_once_creates_one_integration() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    app.get(&format!("{AGENCY}/new")).await;
    let next = app.post_form(&format!("{AGENCY}/new"), &[("name", "Once"), ("description", "")]).await;
    assert_eq!(next.status, 303, "{}", next.body);
    app.get(next.location()).await;
    let last_step = format!("{AGENCY}/new/scopes");
    let sends = (0..12)
        .map(|_| app.post_form(&last_step, &[("scopes", "locations.readonly"), ("step", "save")]))
        .collect();
    let answers = crate::support::join_all(sends).await;
    let (created, others): (Vec<_>, Vec<_>) =
        answers.iter().partition(|answer| answer.location().ends_with("/reveal"));
    assert_eq!(created.len(), 1, "{:?}", answers.iter().map(|answer| answer.location()).collect::<Vec<_>>());
    for other in others {
        // As a draft sent again once it was used: back to a fresh first step.
        assert_eq!((other.status, other.location()), (303, format!("{AGENCY}/new").as_str()));
    }
    assert_eq!(count_integrations(&app), 1);
    let tokens: i64 = integration_tokens::table.count().get_result(&mut app.conn()).expect("count");
    assert_eq!(tokens, 1, "no token that nobody saw");
    assert!(token_on(&app.get(created[0].location()).await).is_some(), "the one created shows its token");
}

#[tokio::test]
async fn the_reveal_page_shows_the_warning_and_is_never_cached() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    app.get(&format!("{AGENCY}/new")).await;
    app.post_form(&format!("{AGENCY}/new"), &[("name", "CRM"), ("description", "")]).await;
    let created = app
        .post_form(&format!("{AGENCY}/new/scopes"), &[("scopes", "companies.readonly"), ("step", "save")])
        .await;
    let reveal = app.get(created.location()).await;
    assert!(reveal.header("cache-control").contains("no-store"), "{}", reveal.header("cache-control"));
    assert_eq!(reveal.text(".notice-warning"), "Copy this token now. You won't be able to see it again.");
    assert_eq!(reveal.text("[data-copy]"), "Copy");
    assert!(reveal.texts(".flash").iter().any(|text| text == "Integration “CRM” created."));
}

#[tokio::test]
async fn step_one_validation_shows_messages_keeps_input_and_writes_nothing() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    app.get(&format!("{AGENCY}/new")).await;
    let long_name = "n".repeat(101);
    let long_description = "d".repeat(501);
    let cases: [(&str, &str, &[&str]); 4] = [
        ("   ", "ok", &["Name is required."]),
        (&long_name, "ok", &["Name must be at most 100 characters (it has 101)."]),
        ("Tab\there", "ok", &["Name cannot contain control characters such as tabs or line breaks."]),
        ("Fine", &long_description, &["Description must be at most 500 characters (it has 501)."]),
    ];
    for (name, description, messages) in cases {
        let page =
            app.post_form(&format!("{AGENCY}/new"), &[("name", name), ("description", description)]).await;
        assert_eq!(page.status, 422, "{name:?}");
        assert_eq!(page.texts(".field-error"), *messages);
        let kept = page.html();
        let field = kept.select(&scraper::Selector::parse("#name").expect("s")).next().expect("name field");
        assert_eq!(field.value().attr("value"), Some(name.trim()));
    }
    assert_eq!(count_integrations(&app), 0);
}

#[tokio::test]
async fn step_two_refuses_no_scopes_and_scopes_of_the_other_level_keeping_the_choice() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    app.get(&format!("{AGENCY}/new")).await;
    app.post_form(&format!("{AGENCY}/new"), &[("name", "CRM"), ("description", "")]).await;

    let none = app.post_form(&format!("{AGENCY}/new/scopes"), &[("step", "save")]).await;
    assert_eq!(none.status, 422);
    assert_eq!(none.text("#scopes-error"), "Choose at least one scope.");

    let wrong = app
        .post_form(
            &format!("{AGENCY}/new/scopes"),
            &[
                ("scopes", "users.readonly"),
                ("scopes", "contacts.write"),
                ("scopes", "made.up"),
                ("step", "save"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert_eq!(
        wrong.text("#scopes-error"),
        "Not available for an agency integration: contacts.write, made.up."
    );
    assert_eq!(checked(&wrong), ["users.readonly"], "the valid choice is kept");
    assert_eq!(count_integrations(&app), 0);

    // And the other way round at sub-account level.
    let base = sub_base(world.sub_a);
    app.get(&format!("{base}/new")).await;
    app.post_form(&format!("{base}/new"), &[("name", "CRM"), ("description", "")]).await;
    let page = app
        .post_form(&format!("{base}/new/scopes"), &[("scopes", "locations.write"), ("step", "save")])
        .await;
    assert_eq!(page.text("#scopes-error"), "Not available for a sub-account integration: locations.write.");
    assert_eq!(count_integrations(&app), 0);
}

fn checked(page: &Page) -> Vec<String> {
    page.html()
        .select(&scraper::Selector::parse(r#"input[name="scopes"][checked]"#).expect("s"))
        .filter_map(|input| input.value().attr("value").map(str::to_owned))
        .collect()
}

fn offered(page: &Page) -> Vec<String> {
    page.html()
        .select(&scraper::Selector::parse(r#"input[name="scopes"]"#).expect("s"))
        .filter_map(|input| input.value().attr("value").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_picker_offers_only_the_scopes_of_the_level_grouped_by_area() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    app.get(&format!("{AGENCY}/new")).await;
    app.post_form(&format!("{AGENCY}/new"), &[("name", "A"), ("description", "")]).await;
    let agency = app.get(&format!("{AGENCY}/new/scopes")).await;
    let scopes = offered(&agency);
    assert_eq!(scopes.len(), 21);
    assert!(scopes.contains(&"locations.write".to_owned()) && !scopes.contains(&"contacts.write".to_owned()));
    assert!(agency.texts("legend").contains(&"Locations".to_owned()));
    assert!(agency.text("li[data-scope]").contains("companies.readonly View company details"));

    let base = sub_base(world.sub_a);
    app.get(&format!("{base}/new")).await;
    app.post_form(&format!("{base}/new"), &[("name", "A"), ("description", "")]).await;
    let sub = offered(&app.get(&format!("{base}/new/scopes")).await);
    assert!(sub.contains(&"contacts.write".to_owned()) && sub.contains(&"locations.readonly".to_owned()));
    assert!(!sub.contains(&"locations.write".to_owned()) && !sub.contains(&"companies.readonly".to_owned()));
}

#[tokio::test]
async fn going_back_keeps_what_was_typed_and_chosen() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    app.get(&format!("{AGENCY}/new")).await;
    app.post_form(&format!("{AGENCY}/new"), &[("name", "CRM"), ("description", "For sales")]).await;
    let back =
        app.post_form(&format!("{AGENCY}/new/scopes"), &[("scopes", "users.write"), ("step", "back")]).await;
    assert_eq!(back.location(), format!("{AGENCY}/new"));
    let step_one = app.get(back.location()).await;
    assert_eq!(
        step_one
            .html()
            .select(&scraper::Selector::parse("#name").expect("s"))
            .next()
            .and_then(|e| e.value().attr("value")),
        Some("CRM")
    );
    assert_eq!(step_one.text("#description"), "For sales");
    app.post_form(&format!("{AGENCY}/new"), &[("name", "CRM 2"), ("description", "For sales")]).await;
    assert_eq!(checked(&app.get(&format!("{AGENCY}/new/scopes")).await), ["users.write"]);
    assert_eq!(count_integrations(&app), 0, "nothing is created by going back and forth");
}

#[tokio::test]
async fn the_detail_page_shows_scopes_the_token_hint_and_unknown_scopes() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (detail, token) = create(&app, AGENCY, "CRM", "", &["users.readonly"]).await;
    diesel::update(integrations::table)
        .set(
            integrations::scopes
                .eq(vec![Some("users.readonly".to_owned()), Some("retired.readonly".to_owned())]),
        )
        .execute(&mut app.conn())
        .expect("update");
    let page = app.get(&detail).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.texts(".held-scopes li"),
        ["users.readonly View users", "retired.readonly unknown Not in the scope catalog: grants nothing."]
    );
    let row = page.text("section[aria-labelledby=tokens-heading] tbody tr");
    assert!(row.starts_with(&format!("pit-…{} Current", &token[token.len() - 4..])), "{row}");
    assert!(row.contains("Never Never used"), "{row}");
    assert_eq!(page.text(".danger-zone h2"), "Danger zone");
}

#[tokio::test]
async fn editing_changes_name_and_scopes_but_not_the_token() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (detail, _) = create(&app, AGENCY, "CRM", "old", &["users.readonly", "companies.readonly"]).await;
    let digest_before: Vec<u8> =
        integration_tokens::table.select(integration_tokens::digest).first(&mut app.conn()).expect("q");

    let step_one = app.get(&format!("{detail}/edit")).await;
    assert_eq!(step_one.text("h1"), "Edit “CRM”");
    let next = app.post_form(&format!("{detail}/edit"), &[("name", "CRM v2"), ("description", "new")]).await;
    assert_eq!(next.location(), format!("{detail}/edit/scopes"));
    let step_two = app.get(next.location()).await;
    assert_eq!(checked(&step_two), ["companies.readonly", "users.readonly"]);
    assert_eq!(step_two.text("button[value=save]"), "Update");
    let done = app
        .post_form(
            &format!("{detail}/edit/scopes"),
            &[("scopes", "users.readonly"), ("scopes", "users.write"), ("step", "save")],
        )
        .await;
    assert_eq!(done.location(), detail);
    let page = app.get(&detail).await;
    assert!(page.text("h1").starts_with("CRM v2"));
    assert_eq!(page.texts(".held-scopes code"), ["users.readonly", "users.write"]);
    assert!(page.texts(".flash").iter().any(|text| text.contains("Its token is unchanged")));

    let tokens: Vec<(Vec<u8>, String)> = integration_tokens::table
        .select((integration_tokens::digest, integration_tokens::state))
        .load(&mut app.conn())
        .expect("q");
    assert_eq!(tokens, [(digest_before, "current".to_owned())]);

    let details: serde_json::Value = private_integrations::db::schema::audit_events::table
        .filter(private_integrations::db::schema::audit_events::action.eq("integration.update"))
        .select(private_integrations::db::schema::audit_events::details)
        .first(&mut app.conn())
        .expect("audit");
    assert_eq!(details["scopes_added"], serde_json::json!(["users.write"]));
    assert_eq!(details["scopes_removed"], serde_json::json!(["companies.readonly"]));
    assert_eq!(details["name"], serde_json::json!({ "before": "CRM", "after": "CRM v2" }));
    let actions = crate::support::actions(&app, world.agency);
    assert!(actions.contains(&"integration.update".to_owned()));
}

#[tokio::test]
async fn deleting_asks_by_name_then_revokes_every_token() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (detail, _) = create(&app, AGENCY, "Old CRM", "", &["users.readonly"]).await;
    let confirm = app.get(&format!("{detail}/delete")).await;
    assert_eq!(confirm.text("h1"), "Delete “Old CRM”?");
    let done = app.post_form(&format!("{detail}/delete"), &[]).await;
    assert_eq!(done.location(), AGENCY);
    let list = app.get(AGENCY).await;
    assert!(
        list.texts(".flash")
            .iter()
            .any(|text| text == "Integration “Old CRM” deleted. Its tokens no longer work.")
    );
    assert_eq!(list.text(".empty-state h2"), "No private integrations yet");
    assert_eq!(app.get(&detail).await.status, 404);
    let states: Vec<String> =
        integration_tokens::table.select(integration_tokens::state).load(&mut app.conn()).expect("q");
    assert_eq!(states, ["revoked"]);
    let actions = crate::support::actions(&app, world.agency);
    assert!(actions.contains(&"integration.delete".to_owned()), "{actions:?}");
}

/// Switches a permission column directly (the Team page is another issue's).
fn set_permission(app: &TestApp, email: &str, column: &str, on: bool) {
    diesel::sql_query(format!("UPDATE users SET {column} = {on} WHERE email = $1"))
        .bind::<diesel::sql_types::Text, _>(email)
        .execute(&mut app.conn())
        .expect("toggle");
}

/// Every route of an integration, as (method, path suffix).
const ROUTES: [(&str, &str); 13] = [
    ("GET", ""),
    ("GET", "/new"),
    ("POST", "/new"),
    ("GET", "/new/scopes"),
    ("POST", "/new/scopes"),
    ("GET", "/{id}"),
    ("GET", "/{id}/reveal"),
    ("GET", "/{id}/edit"),
    ("POST", "/{id}/edit"),
    ("GET", "/{id}/edit/scopes"),
    ("POST", "/{id}/edit/scopes"),
    ("GET", "/{id}/delete"),
    ("POST", "/{id}/delete"),
];

async fn statuses(app: &TestApp, base: &str, id: &str) -> Vec<u16> {
    let mut out = Vec::new();
    for (method, suffix) in ROUTES {
        let path = format!("{base}{}", suffix.replace("{id}", id));
        let status = if method == "GET" {
            app.get(&path).await.status
        } else {
            app.post_form(
                &path,
                &[("name", "Hijack"), ("description", ""), ("scopes", "users.readonly"), ("step", "save")],
            )
            .await
            .status
        };
        out.push(status);
    }
    out
}

#[tokio::test]
async fn who_may_reach_a_sub_accounts_integrations() {
    let mut app = TestApp::spawn().await;
    let world: World = seed(&mut app.conn());
    let base = sub_base(world.sub_a);
    app.sign_in(people::ADMIN_A, PASSWORD).await;
    let (detail, _) = create(&app, &base, "Dental CRM", "", &["contacts.readonly"]).await;
    let id = detail.rsplit('/').next().expect("id").to_owned();

    let denied = |status: u16| vec![status; ROUTES.len()];
    // (who signs in, a permission switched off for the case, the statuses of ROUTES)
    type Case<'a> = (&'a str, Option<(&'a str, &'a str)>, Vec<u16>);
    let cases: Vec<Case> = vec![
        (people::OTHER_OWNER, None, denied(404)),
        (people::USER_A, None, denied(403)),
        (people::AGENCY_USER, None, denied(403)),
        (people::OWNER, Some((people::OWNER, "manage_sub_account_integrations")), denied(403)),
        (people::ADMIN_A, Some((people::ADMIN_A, "manage_integrations")), denied(403)),
    ];
    for (email, revoke, expected) in cases {
        if let Some((who, column)) = revoke {
            set_permission(&app, who, column, false);
        }
        app.forget_cookies();
        app.sign_in(email, PASSWORD).await;
        assert_eq!(statuses(&app, &base, &id).await, expected, "{email} without {revoke:?}");
        if let Some((who, column)) = revoke {
            set_permission(&app, who, column, true);
        }
    }
    let names: Vec<String> = integrations::table.select(integrations::name).load(&mut app.conn()).expect("q");
    assert_eq!(names, ["Dental CRM"], "no refused request changed anything");

    // Allowed: the agency admin with the permission sees and edits it; another
    // sub-account's admin path does not reach it.
    app.forget_cookies();
    app.sign_in(people::OWNER, PASSWORD).await;
    assert!(app.get(&base).await.text("tbody").contains("Dental CRM"));
    assert_eq!(
        app.get(&format!("{}/{id}", sub_base(world.sub_b))).await.status,
        404,
        "wrong sub-account in the path"
    );
    assert_eq!(app.get(&format!("{AGENCY}/{id}")).await.status, 404, "not an agency integration");
    assert!(!app.get(AGENCY).await.body.contains("Dental CRM"));
}

#[tokio::test]
async fn agency_integrations_need_manage_agency_private_integrations() {
    let mut app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (detail, _) = create(&app, AGENCY, "HQ", "", &["users.readonly"]).await;
    let id = detail.rsplit('/').next().expect("id").to_owned();
    set_permission(&app, people::OWNER, "manage_agency_integrations", false);
    app.forget_cookies();
    let shell = app.sign_in(people::OWNER, PASSWORD).await;
    assert!(!shell.texts(".sidenav a").contains(&"Private Integrations".to_owned()));
    assert_eq!(statuses(&app, AGENCY, &id).await, vec![403; ROUTES.len()]);
    assert_eq!(
        app.get(&sub_base(world.sub_a)).await.status,
        200,
        "sub-account integrations are still allowed"
    );
    app.forget_cookies();
    app.sign_in(people::ADMIN_A, PASSWORD).await;
    assert_eq!(statuses(&app, AGENCY, &id).await, vec![404; ROUTES.len()]);
}

#[tokio::test]
async fn labs_turns_the_pages_off_and_on_per_context() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (detail, _) = create(&app, AGENCY, "HQ", "", &["users.readonly"]).await;
    let labs = app.get("/settings/labs").await;
    assert!(
        labs.html()
            .select(&scraper::Selector::parse("#private_integrations[checked]").expect("s"))
            .next()
            .is_some()
    );

    let saved = app.post_form("/settings/labs", &[]).await;
    let flag: bool = private_integrations::db::schema::agencies::table
        .find(world.agency)
        .select(private_integrations::db::schema::agencies::labs_private_integrations)
        .first(&mut app.conn())
        .expect("q");
    assert!(!flag, "stored");
    assert_eq!(saved.location(), "/settings/labs");
    let labs = app.get("/settings/labs").await;
    assert!(
        labs.texts(".flash")
            .iter()
            .any(|text| text == "Private Integrations is off. Existing tokens keep working.")
    );
    assert!(
        !labs.texts(".sidenav a").contains(&"Private Integrations".to_owned()),
        "{:?} {:?}",
        labs.texts(".sidenav a"),
        labs.texts("#private_integrations")
    );
    for path in [AGENCY.to_owned(), detail.clone(), format!("{AGENCY}/new")] {
        let page = app.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(
            page.text(".empty-state h2"),
            "Private Integrations is turned off — enable it in Labs",
            "{path}"
        );
    }
    let states: Vec<String> =
        integration_tokens::table.select(integration_tokens::state).load(&mut app.conn()).expect("q");
    assert_eq!(states, ["current"], "tokens keep working");

    // A sub-account's flag is its own.
    let sub = app.get(&sub_base(world.sub_a)).await;
    assert_eq!(sub.text("h1"), "Private Integrations");
    assert!(sub.texts(".sidenav a").contains(&"Private Integrations".to_owned()));

    app.post_form("/settings/labs", &[("private_integrations", "on")]).await;
    assert!(app.get(AGENCY).await.text("tbody").contains("HQ"));
    let actions = crate::support::actions(&app, world.agency);
    assert_eq!(actions.iter().filter(|action| *action == "labs.update").count(), 2);
}

#[tokio::test]
async fn labs_is_for_admins_of_the_context() {
    let mut app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::USER_A, PASSWORD).await;
    assert_eq!(app.get(&format!("/locations/{}/settings/labs", world.sub_a)).await.status, 403);
    assert_eq!(app.post_form(&format!("/locations/{}/settings/labs", world.sub_a), &[]).await.status, 403);
    app.forget_cookies();
    app.sign_in(people::ADMIN_A, PASSWORD).await;
    assert_eq!(app.get("/settings/labs").await.status, 404);
    assert_eq!(app.get(&format!("/locations/{}/settings/labs", world.sub_b)).await.status, 404);
    let enabled: bool = private_integrations::db::schema::sub_accounts::table
        .find(world.sub_a)
        .select(private_integrations::db::schema::sub_accounts::labs_private_integrations)
        .first(&mut app.conn())
        .expect("q");
    assert!(enabled, "the refused POST changed nothing");
}

#[tokio::test]
async fn an_operator_catalog_replaces_the_builtin_one() {
    let dir = std::env::temp_dir().join(format!("pi-catalog-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("scopes.toml");
    std::fs::write(
        &path,
        "[[area]]\nname = \"Widgets\"\n\n[[area.scope]]\nname = \"widgets.readonly\"\nlabel = \"View widgets\"\n\
         description = \"Read widgets.\"\nlevels = [\"agency\", \"sub-account\"]\n",
    )
    .expect("write");
    let app = TestApp::spawn_with(crate::support::Options {
        env: vec![("SCOPE_CATALOG", path.to_string_lossy().into_owned())],
        database: None,
        database_url: None,
    })
    .await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    app.get(&format!("{AGENCY}/new")).await;
    app.post_form(&format!("{AGENCY}/new"), &[("name", "W"), ("description", "")]).await;
    let picker = app.get(&format!("{AGENCY}/new/scopes")).await;
    assert_eq!(offered(&picker), ["widgets.readonly"]);
    assert_eq!(picker.texts("legend"), ["Widgets"]);
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn an_invalid_operator_catalog_stops_the_start_with_its_path_and_reason() {
    let path = std::env::temp_dir().join(format!("pi-catalog-{}.toml", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, "[[area]]\nname = \"Empty\"\n").expect("write");
    let config = private_integrations::config::Config::from_lookup(|name| {
        (name == "SCOPE_CATALOG").then(|| path.to_string_lossy().into_owned())
    })
    .expect("config");
    let error = config.load_catalog().expect_err("refused").to_string();
    assert!(
        error.contains(&path.to_string_lossy().into_owned()) && error.contains("has no scopes"),
        "{error}"
    );
    std::fs::remove_file(&path).expect("clean up");
    let missing = private_integrations::config::Config::from_lookup(|name| {
        (name == "SCOPE_CATALOG").then(|| "/nonexistent/scopes.toml".to_owned())
    })
    .expect("config");
    assert!(missing.load_catalog().expect_err("refused").to_string().contains("cannot read it"));
}

#[tokio::test]
async fn the_reveal_page_is_never_compressed_while_other_pages_are() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    app.post_form(&format!("{AGENCY}/new"), &[("name", "CRM"), ("description", "")]).await;
    app.get(&format!("{AGENCY}/new/scopes")).await;
    let created = app
        .post_form(&format!("{AGENCY}/new/scopes"), &[("scopes", "users.readonly"), ("step", "save")])
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let gzipped = |path: String| {
        app.client.get(format!("{}{path}", app.address)).header("accept-encoding", "gzip").send()
    };

    let reveal = gzipped(created.location().to_owned()).await.expect("GET");
    assert_eq!(reveal.headers()["content-encoding"], "identity", "a secret's length must not leak (BREACH)");
    assert!(
        reveal.text().await.expect("body").contains("value=\"pit-"),
        "the token is on the page, in clear"
    );

    let list = gzipped(AGENCY.to_owned()).await.expect("GET");
    assert_eq!(list.headers()["content-encoding"], "gzip");
    let mut html = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&list.bytes().await.expect("body")[..]),
        &mut html,
    )
    .expect("gzip");
    assert!(html.contains("CRM"), "{html}");

    let plain = app.get(AGENCY).await;
    assert!(plain.headers.get("content-encoding").is_none(), "only for browsers that accept gzip");
    assert_eq!(plain.header("vary"), "accept-encoding");
}
