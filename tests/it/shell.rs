//! The Settings shell: landing, context switching, navigation by permission, tenancy.

use crate::support::{PASSWORD, TestApp, people, seed};

#[tokio::test]
async fn agency_admins_land_on_their_first_section_and_can_switch_to_any_sub_account() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let landing = app.get("/settings").await;
    assert_eq!(landing.location(), "/settings/team");

    let sub = app.get(&format!("/locations/{}/settings", world.sub_b)).await;
    assert_eq!(sub.location(), format!("/locations/{}/settings/my-staff", world.sub_b));
    let page = app.get(sub.location()).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.text(".switcher-name"), "Beta Fitness");
    assert_eq!(
        page.texts(".sidenav a"),
        ["My Staff", "Private Integrations", "Webhooks", "Labs", "Audit log"]
    );
    assert_eq!(page.text(".sidenav a[aria-current=page]"), "My Staff");
}

#[tokio::test]
async fn account_admins_see_only_their_sub_accounts() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    let page = app.sign_in(people::ADMIN_A, PASSWORD).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.text(".switcher-name"), "Alpha Dental");
    assert_eq!(page.texts(".switcher .menu-panel a"), ["Alpha Dental Sub-account"]);

    for path in [
        "/settings/team".to_owned(),
        "/settings/private-integrations".to_owned(),
        format!("/locations/{}/settings/private-integrations", world.sub_b),
        format!("/locations/{}/settings", world.sub_b),
    ] {
        assert_eq!(app.get(&path).await.status, 404, "{path}");
    }
}

#[tokio::test]
async fn another_agencys_sub_account_is_not_found() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OTHER_OWNER, PASSWORD).await;
    let page = app.get(&format!("/locations/{}/settings/private-integrations", world.sub_a)).await;
    assert_eq!(page.status, 404);
    assert_eq!(page.text("h1"), "Page not found");
    assert_eq!(app.get("/locations/not-a-uuid/settings/labs").await.status, 404);
}

#[tokio::test]
async fn users_without_admin_rights_are_told_there_is_nothing_to_manage() {
    let mut app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    for email in [people::AGENCY_USER, people::USER_A] {
        app.forget_cookies();
        let page = app.sign_in(email, PASSWORD).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.text("h1"), "Nothing to manage here");
        // The agency's Settings are within an agency user's reach (403), not an account user's (404).
        let expected = if email == people::AGENCY_USER { 403 } else { 404 };
        assert_eq!(app.get("/settings/private-integrations").await.status, expected, "{email}");
        let sub = app.get(&format!("/locations/{}/settings/private-integrations", world.sub_a)).await;
        assert_eq!(sub.status, 403, "{email}");
        assert_eq!(sub.text("h1"), "You don't have access to this page");
    }
}

#[tokio::test]
async fn pages_without_a_session_send_you_to_sign_in() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    for path in ["/", "/settings", "/settings/team"] {
        assert_eq!(app.get(path).await.location(), "/sign-in", "{path}");
    }
    let sub = app.get(&format!("/locations/{}/settings/labs", world.sub_a)).await;
    assert_eq!(sub.location(), "/sign-in");
}

#[tokio::test]
async fn unknown_pages_get_the_styled_404() {
    let app = TestApp::spawn().await;
    let page = app.get("/no/such/page").await;
    assert_eq!(page.status, 404);
    assert_eq!(page.text("h1"), "Page not found");
    assert!(page.header("content-type").starts_with("text/html"));
}
