//! The one-time set-up link of an empty installation.

use crate::support::TestApp;

fn path_of(link: &str) -> String {
    link.splitn(4, '/').nth(3).map(|path| format!("/{path}")).expect("link has a path")
}

#[tokio::test]
async fn an_empty_installation_prints_a_setup_link_that_creates_the_agency_and_signs_in() {
    let app = TestApp::spawn().await;
    let link = app.setup_link.clone().expect("a set-up link on an empty database");
    assert!(link.starts_with(&app.address), "{link}");
    let path = path_of(&link);

    let form = app.get(&path).await;
    assert_eq!(form.status, 200);
    assert_eq!(form.text("h1"), "Set up your agency");

    let done = app
        .post_form(
            &path,
            &[
                ("agency_name", "  Acme Agency "),
                ("name", "Ada Admin"),
                ("email", "Ada@Acme.test"),
                ("password", "correct horse battery"),
                ("password_confirmation", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location(), "/settings");

    let landing = app.get("/settings").await;
    assert_eq!(landing.status, 303);
    let shell = app.get(landing.location()).await;
    assert_eq!(shell.status, 200);
    assert!(shell.texts(".flash").iter().any(|text| text.contains("Your agency is ready")));
    assert_eq!(shell.text(".switcher-name"), "Acme Agency");
    assert!(shell.text(".user-card").contains("ada@acme.test"));

    // The link is dead now, for everyone.
    assert_eq!(app.get(&path).await.status, 404);
    let again = app
        .post_form(
            &path,
            &[
                ("agency_name", "Second"),
                ("name", "Eve"),
                ("email", "eve@x.test"),
                ("password", "correct horse battery"),
                ("password_confirmation", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn a_wrong_setup_token_is_not_found() {
    let app = TestApp::spawn().await;
    assert!(app.setup_link.is_some());
    let page = app.get("/setup/not-the-token").await;
    assert_eq!(page.status, 404);
    assert_eq!(page.text("h1"), "Page not found");
}

#[tokio::test]
async fn invalid_setup_input_shows_every_message_keeps_the_input_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let path = path_of(app.setup_link.as_deref().expect("link"));
    app.get(&path).await;
    let page = app
        .post_form(
            &path,
            &[
                ("agency_name", ""),
                ("name", "Ada\u{7}"),
                ("email", "ada@"),
                ("password", "short"),
                ("password_confirmation", "short"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    let errors = page.texts(".field-error");
    assert_eq!(
        errors,
        [
            "Name is required.",
            "Name cannot contain control characters such as tabs or line breaks.",
            "Enter an email address such as name@example.com.",
            "Password must be at least 12 characters.",
        ]
    );
    let html = page.html();
    let email =
        html.select(&scraper::Selector::parse("#email").expect("selector")).next().expect("email field");
    assert_eq!(email.value().attr("value"), Some("ada@"));
    let password = html
        .select(&scraper::Selector::parse("#password").expect("selector"))
        .next()
        .expect("password field");
    assert_eq!(password.value().attr("value"), Some(""), "passwords are never echoed back");

    let mismatch = app
        .post_form(
            &path,
            &[
                ("agency_name", "Acme"),
                ("name", "Ada"),
                ("email", "ada@acme.test"),
                ("password", "correct horse battery"),
                ("password_confirmation", "correct horse batterY"),
            ],
        )
        .await;
    assert_eq!(mismatch.texts(".field-error"), ["The passwords don't match."]);

    let mut conn = app.conn();
    assert!(!private_integrations::db::agencies::any_exists(&mut conn).expect("query"));
    assert_eq!(app.get(&path).await.status, 200, "the link still works after bad input");
}

#[tokio::test]
async fn an_installation_with_an_agency_prints_no_setup_link() {
    let db = crate::support::TestDatabase::new();
    crate::support::seed(&mut db.conn());
    let app =
        TestApp::spawn_with(crate::support::Options { env: vec![], database: Some(db), database_url: None })
            .await;
    assert_eq!(app.setup_link, None);
}
