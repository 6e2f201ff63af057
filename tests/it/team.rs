//! Team and My Staff: Roles & Permissions that apply on the next request, adding people,
//! deactivation and sign-out everywhere, the last-team-manager guard, and who may do what.

use diesel::prelude::*;
use private_integrations::db::schema::users;
use private_integrations::domain::ids::UserId;

use crate::support::{Browser, PASSWORD, TestApp, World, people, seed};

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

/// A second browser signed in as `email`.
async fn other_browser(app: &TestApp, email: &str) -> Browser {
    let other = app.new_browser();
    other.sign_in(email, PASSWORD).await;
    other
}

#[tokio::test]
async fn the_team_lists_everyone_and_my_staff_lists_the_sub_accounts_staff() {
    let app = TestApp::spawn().await;
    let world: World = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let team = app.get("/settings/team").await;
    let rows = team.texts("tbody tr");
    assert_eq!(rows.len(), 4, "{rows:?}");
    let admin_a = rows.iter().find(|row| row.contains(people::ADMIN_A)).expect("admin a");
    assert!(
        admin_a.contains("Account admin") && admin_a.contains("Alpha Dental") && admin_a.contains("Active"),
        "{admin_a}"
    );
    assert!(!team.body.contains(people::OTHER_OWNER), "another agency's people never show");

    let staff = app.get(&format!("/locations/{}/settings/my-staff", world.sub_a)).await;
    let emails: Vec<String> = staff.texts("tbody .cell-sub");
    assert_eq!(emails, [people::ADMIN_A, people::USER_A]);
}

#[tokio::test]
async fn a_permission_change_applies_to_the_next_request_of_a_signed_in_user() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let admin = other_browser(&app, people::ADMIN_A).await;
    let list = format!("/locations/{}/settings/private-integrations", world.sub_a);
    assert_eq!(admin.get(&list).await.status, 200);

    let url = format!("/settings/team/{}", user_id(&app, people::ADMIN_A));
    let form = app.get(&url).await;
    assert_eq!(form.texts(".toggle-title"), ["Manage private integrations", "Manage staff"]);
    let saved = app
        .post_form(
            &url,
            &[("role", "account_admin"), ("manage_staff", "on"), ("sub_accounts", &world.sub_a.to_string())],
        )
        .await;
    assert_eq!(saved.location(), url);
    assert!(app.get(&url).await.texts(".flash").iter().any(|t| t.contains("saved")));
    assert!(!flag(&app, people::ADMIN_A, "manage_integrations"));

    assert_eq!(admin.get(&list).await.status, 403, "no new sign-in needed");
    assert!(
        !admin
            .get(&format!("/locations/{}/settings/my-staff", world.sub_a))
            .await
            .texts(".sidenav a")
            .contains(&"Private Integrations".to_owned())
    );
}

#[tokio::test]
async fn nobody_changes_their_own_access_and_a_manager_steps_down_through_another() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let me = format!("/settings/team/{}", user_id(&app, people::OWNER));
    let own = app.get(&me).await;
    assert!(own.text(".notice-warning").contains("ask another team manager"), "{}", own.body);
    let refused = app.post_form(&me, &[("role", "agency_admin"), ("manage_agency_integrations", "on")]).await;
    assert_eq!(refused.status, 403);
    assert_eq!(app.post_form(&format!("{me}/deactivate"), &[]).await.status, 403);
    assert!(flag(&app, people::OWNER, "manage_team") && flag(&app, people::OWNER, "active"), "unchanged");

    // Another team manager takes over, then steps the owner down.
    let agency_user = format!("/settings/team/{}", user_id(&app, people::AGENCY_USER));
    app.get(&agency_user).await;
    app.post_form(&agency_user, &[("role", "agency_admin")]).await;
    assert!(!flag(&app, people::AGENCY_USER, "manage_team"), "a new agency admin starts without Manage team");
    app.get(&agency_user).await;
    app.post_form(&agency_user, &[("role", "agency_admin"), ("manage_team", "on")]).await;
    assert!(flag(&app, people::AGENCY_USER, "manage_team"));
    let successor = other_browser(&app, people::AGENCY_USER).await;
    successor.get(&me).await;
    successor.post_form(&me, &[("role", "agency_admin"), ("manage_agency_integrations", "on")]).await;
    assert!(!flag(&app, people::OWNER, "manage_team"));
    assert_eq!(app.get(&me).await.status, 403, "and the change applies at once");
}

#[tokio::test]
async fn deactivation_ends_sessions_at_once_and_reactivation_lets_them_back() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let admin = other_browser(&app, people::ADMIN_A).await;
    let url = format!("/settings/team/{}", user_id(&app, people::ADMIN_A));
    app.get(&url).await;
    app.post_form(&format!("{url}/deactivate"), &[]).await;
    let page = app.get(&url).await;
    assert!(page.texts(".flash").iter().any(|t| t.ends_with("is deactivated and signed out everywhere.")));
    assert_eq!(page.text(".page-header .badge"), "Deactivated");
    assert_eq!(admin.get("/settings").await.location(), "/sign-in");
    admin.get("/sign-in").await;
    let refused = admin.post_form("/sign-in", &[("email", people::ADMIN_A), ("password", PASSWORD)]).await;
    assert_eq!(refused.status, 401);

    app.post_form(&format!("{url}/reactivate"), &[]).await;
    admin.sign_in(people::ADMIN_A, PASSWORD).await;
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_of_that_user() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let first = other_browser(&app, people::ADMIN_A).await;
    let second = other_browser(&app, people::ADMIN_A).await;
    let url = format!("/settings/team/{}", user_id(&app, people::ADMIN_A));
    assert!(app.get(&url).await.text("#sessions-heading + .danger-row p").starts_with("2 active sessions"));
    app.post_form(&format!("{url}/sign-out-everywhere"), &[]).await;
    assert!(
        app.get(&url).await.texts(".flash").iter().any(|t| t.contains("signed out everywhere (2 sessions)"))
    );
    for browser in [&first, &second] {
        assert_eq!(browser.get("/settings").await.location(), "/sign-in");
    }
    assert_eq!(app.get(&url).await.status, 200, "the manager's own session is untouched");
}

#[tokio::test]
async fn managers_add_people_who_can_then_sign_in() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    app.get("/settings/team/new").await;
    let invalid = app
        .post_form(
            "/settings/team/new",
            &[("name", ""), ("email", people::ADMIN_A), ("role", "account_user"), ("password", "short")],
        )
        .await;
    assert_eq!(invalid.status, 422);
    assert_eq!(
        invalid.texts(".field-error"),
        [
            "Name is required.",
            "Choose at least one sub-account for an account role.",
            "Password must be at least 12 characters."
        ]
    );
    let taken = app
        .post_form(
            "/settings/team/new",
            &[
                ("name", "Dup"),
                ("email", people::ADMIN_A),
                ("role", "agency_user"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(taken.texts(".field-error"), ["A user with this email already exists."]);

    let sub_b = world.sub_b.to_string();
    let added = app
        .post_form(
            "/settings/team/new",
            &[
                ("name", "Bea"),
                ("email", "bea@acme.test"),
                ("role", "account_admin"),
                ("sub_accounts", &sub_b),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let hash: Option<String> = users::table
        .filter(users::email.eq("bea@acme.test"))
        .select(users::password_hash)
        .first(&mut app.conn())
        .expect("bea");
    assert!(
        private_integrations::app::passwords::verify_blocking(
            "long enough password",
            hash.as_deref().expect("hash")
        ),
        "{hash:?}"
    );
    let bea = app.new_browser();
    let landing = bea.sign_in("bea@acme.test", "long enough password").await;
    assert_eq!(landing.text(".switcher-name"), "Beta Fitness");
    let staff = app.get(&format!("/locations/{}/settings/my-staff", world.sub_b)).await;
    assert!(staff.body.contains("bea@acme.test"));

    // My Staff adds to its own sub-account, with account roles only.
    let admin = other_browser(&app, people::ADMIN_A).await;
    let base = format!("/locations/{}/settings/my-staff", world.sub_a);
    let form = admin.get(&format!("{base}/new")).await;
    assert_eq!(form.texts("#role option"), ["Choose a role", "Account admin", "Account user"]);
    let refused = admin
        .post_form(
            &format!("{base}/new"),
            &[
                ("name", "X"),
                ("email", "x@acme.test"),
                ("role", "agency_admin"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(refused.texts(".field-error"), ["Choose a role."]);
    admin
        .post_form(
            &format!("{base}/new"),
            &[
                ("name", "Cy"),
                ("email", "cy@acme.test"),
                ("role", "account_user"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert!(admin.get(&base).await.body.contains("cy@acme.test"));
}

/// The team routes of a person, as (method, suffix).
const ROUTES: [(&str, &str); 7] = [
    ("GET", ""),
    ("GET", "/new"),
    ("GET", "/{id}"),
    ("POST", "/{id}"),
    ("POST", "/{id}/deactivate"),
    ("POST", "/{id}/reactivate"),
    ("POST", "/{id}/sign-out-everywhere"),
];

async fn statuses(app: &TestApp, base: &str, id: UserId) -> Vec<u16> {
    let mut out = Vec::new();
    for (method, suffix) in ROUTES {
        let path = format!("{base}{}", suffix.replace("{id}", &id.to_string()));
        out.push(if method == "GET" {
            app.get(&path).await.status
        } else {
            app.post_form(&path, &[("role", "account_user")]).await.status
        });
    }
    out
}

#[tokio::test]
async fn who_may_manage_whom() {
    let mut app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    let user_a = user_id(&app, people::USER_A);
    let owner = user_id(&app, people::OWNER);
    let team = "/settings/team".to_owned();
    let staff_a = format!("/locations/{}/settings/my-staff", world.sub_a);
    let staff_b = format!("/locations/{}/settings/my-staff", world.sub_b);
    let all = |status| vec![status; ROUTES.len()];
    let cases: Vec<(&str, &str, UserId, Vec<u16>)> = vec![
        (people::OTHER_OWNER, &team, user_a, vec![200, 200, 404, 404, 404, 404, 404]),
        (people::OTHER_OWNER, &staff_a, user_a, all(404)),
        (people::AGENCY_USER, &team, user_a, all(403)),
        (people::USER_A, &staff_a, user_a, all(403)),
        (people::ADMIN_A, &team, user_a, all(404)),
        (people::ADMIN_A, &staff_b, user_a, all(404)),
        (people::ADMIN_A, &staff_a, owner, vec![200, 200, 404, 404, 404, 404, 404]),
    ];
    for (email, base, target, expected) in cases {
        app.forget_cookies();
        app.sign_in(email, PASSWORD).await;
        assert_eq!(statuses(&app, base, target).await, expected, "{email} on {base} → {target}");
    }
    assert!(
        flag(&app, people::USER_A, "active") && flag(&app, people::OWNER, "manage_team"),
        "nothing changed"
    );

    // Allowed: the staff manager of A edits A's account user.
    app.forget_cookies();
    app.sign_in(people::ADMIN_A, PASSWORD).await;
    assert_eq!(app.get(&format!("{staff_a}/{user_a}")).await.status, 200);
    let saved = app.post_form(&format!("{staff_a}/{user_a}"), &[("role", "account_admin")]).await;
    assert_eq!(saved.status, 303);
    assert!(flag(&app, people::USER_A, "manage_integrations"), "promoted with the role's defaults");

    // Without "Manage staff", My Staff is forbidden.
    diesel::update(users::table.filter(users::email.eq(people::ADMIN_A)))
        .set(users::manage_staff.eq(false))
        .execute(&mut app.conn())
        .expect("toggle");
    assert_eq!(statuses(&app, &staff_a, user_a).await, all(403));
}

#[tokio::test]
async fn team_changes_are_audited_with_before_and_after() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let url = format!("/settings/team/{}", user_id(&app, people::AGENCY_USER));
    app.get(&url).await;
    app.post_form(&url, &[("role", "agency_admin")]).await;
    app.post_form(&format!("{url}/deactivate"), &[]).await;
    app.post_form(&format!("{url}/sign-out-everywhere"), &[]).await;
    let details: serde_json::Value = private_integrations::db::schema::audit_events::table
        .filter(private_integrations::db::schema::audit_events::action.eq("user.update"))
        .select(private_integrations::db::schema::audit_events::details)
        .first(&mut app.conn())
        .expect("audit");
    assert_eq!(details["before"]["role"], "agency_user");
    assert_eq!(details["after"]["role"], "agency_admin");
    let actions = crate::support::actions(&app, world.agency);
    for action in ["user.update", "user.deactivate", "user.sign_out_everywhere"] {
        assert!(actions.contains(&action.to_owned()), "{action} in {actions:?}");
    }
}
