//! Two-factor authentication, the agency policy that requires it, and sudo mode (issue
//! "Two-factor sign-in…", SPEC §8), through the same forms a browser uses. Time is the
//! test's clock: codes are computed from the secret the set-up page shows as text.

use chrono::Duration;
use diesel::prelude::*;
use private_integrations::clock::Clock as _;
use private_integrations::db::schema::{recovery_codes, two_factor, users};
use private_integrations::domain::ids::UserId;
use private_integrations::domain::two_factor::Secret;

use crate::support::{
    Browser, Options, PASSWORD, TestApp, actions, create_integration, people, revealed_token, seed,
};

const INTEGRATIONS: &str = "/settings/private-integrations";

fn two_factor_on(app: &TestApp, user: UserId) -> bool {
    two_factor::table
        .find(user)
        .select(two_factor::enabled_at.is_not_null())
        .first(&mut app.conn())
        .optional()
        .expect("two-factor")
        .unwrap_or(false)
}

fn user_id(app: &TestApp, email: &str) -> UserId {
    users::table.filter(users::email.eq(email)).select(users::id).first(&mut app.conn()).expect("user")
}

/// The code an authenticator app shows now (by the app's clock).
fn code_now(app: &TestApp, secret: &Secret) -> String {
    secret.code_at(u64::try_from(app.clock.now().timestamp()).expect("after 1970"))
}

/// Moves past the current 30-second step, so that the next code is a new one.
fn next_step(app: &TestApp) {
    app.clock.advance(Duration::seconds(30));
}

/// Sets up two-factor from the Security page as a signed-in browser: the secret (read from
/// the page's text, as a person types it) and the recovery codes shown once.
async fn set_up(app: &TestApp, browser: &Browser) -> (Secret, Vec<String>) {
    browser.get("/account/security").await;
    let begun = browser.post_form("/account/security/two-factor", &[]).await;
    assert_eq!(begun.status, 303, "{}", begun.body);
    assert_eq!(begun.location(), "/account/security/two-factor");
    let page = browser.get("/account/security/two-factor").await;
    assert_eq!(page.status, 200);
    let secret = Secret::from_base32(&page.text("#secret")).expect("the page shows a base32 secret");
    let verified =
        browser.post_form("/account/security/two-factor/verify", &[("code", &code_now(app, &secret))]).await;
    assert_eq!(verified.status, 200, "{}", verified.body);
    let codes = verified.texts(".recovery-codes code");
    // **Done**, to a page with forms (the session carried on under a new id and token).
    browser.get("/account/security").await;
    next_step(app);
    (secret, codes)
}

/// Signs in with the password, then answers the second step with `code`.
async fn sign_in_with_code(browser: &Browser, email: &str, code: &str) -> crate::support::Page {
    browser.get("/sign-in").await;
    let first = browser.post_form("/sign-in", &[("email", email), ("password", PASSWORD)]).await;
    assert_eq!(first.status, 303, "{}", first.body);
    assert_eq!(first.location(), "/sign-in/two-factor");
    browser.get("/sign-in/two-factor").await;
    browser.post_form("/sign-in/two-factor", &[("code", code)]).await
}

#[tokio::test]
async fn setting_up_shows_a_qr_code_and_the_secret_then_ten_recovery_codes_once() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let security = app.get("/account/security").await;
    assert_eq!(security.text("#two-factor-heading"), "Two-factor authentication Off");

    app.post_form("/account/security/two-factor", &[]).await;
    let page = app.get("/account/security/two-factor").await;
    assert!(page.body.contains("<svg role=\"img\""), "a server-rendered QR code:\n{}", page.body);
    assert!(page.body.contains("<path"), "the code is drawn in the page, not fetched");
    let secret = Secret::from_base32(&page.text("#secret")).expect("base32 secret");

    // A wrong code changes nothing.
    let wrong = app.post_form("/account/security/two-factor/verify", &[("code", "000000")]).await;
    assert_eq!(wrong.status, 422);
    assert_eq!(
        wrong.text("#code-error"),
        "That code is not right. Check your authenticator app and try again."
    );
    assert!(app.get("/account/security").await.text("#two-factor-heading").ends_with("Off"));

    let verified =
        app.post_form("/account/security/two-factor/verify", &[("code", &code_now(&app, &secret))]).await;
    assert_eq!(verified.status, 200);
    assert!(verified.header("cache-control").contains("no-store"), "shown once, never cached");
    let codes = verified.texts(".recovery-codes code");
    assert_eq!(codes.len(), 10);
    let download = crate::support::asset_url(&verified, "a[download]", "href");
    assert!(download.starts_with("data:text/plain"), "a text file: {download}");
    assert!(codes.iter().all(|code| download.contains(code.as_str())), "the file holds every code");

    let security = app.get("/account/security").await;
    assert_eq!(security.text("#two-factor-heading"), "Two-factor authentication On");
    assert!(security.body.contains("10 recovery codes are left"));
    assert_eq!(actions(&app, world.agency)[0], "user.two_factor_enable");

    // Turning it on again is refused while it is on; the secret does not change.
    app.post_form("/account/security/two-factor", &[]).await;
    let again = app.get("/account/security").await;
    assert!(again.body.contains("Two-factor authentication is on already."), "{}", again.body);
}

#[tokio::test]
async fn the_secret_is_sealed_at_rest_and_recovery_codes_are_kept_as_digests() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (secret, codes) = set_up(&app, &app).await;
    let owner = user_id(&app, people::OWNER);
    let sealed: Vec<u8> =
        two_factor::table.find(owner).select(two_factor::sealed).first(&mut app.conn()).expect("row");
    assert!(
        !sealed.windows(secret.expose().len()).any(|window| window == secret.expose()),
        "not stored in clear"
    );
    assert!(!String::from_utf8_lossy(&sealed).contains(&secret.base32()));
    let digests: Vec<Vec<u8>> = recovery_codes::table
        .filter(recovery_codes::user_id.eq(owner))
        .select(recovery_codes::digest)
        .load(&mut app.conn())
        .expect("codes");
    assert_eq!(digests.len(), 10);
    for code in &codes {
        assert!(digests.iter().all(|digest| !String::from_utf8_lossy(digest).contains(code.as_str())));
    }
}

#[tokio::test]
async fn signing_in_asks_for_a_code_after_the_password_and_a_code_works_once() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (secret, _) = set_up(&app, &app).await;

    let browser = app.new_browser();
    browser.get("/sign-in").await;
    let first = browser.post_form("/sign-in", &[("email", people::OWNER), ("password", PASSWORD)]).await;
    assert_eq!(first.location(), "/sign-in/two-factor");
    let step = browser.get("/sign-in/two-factor").await;
    assert_eq!(
        step.text("#code-hint"),
        "Lost your phone? Type one of your recovery codes instead (10 are left)."
    );

    // The half-signed-in session grants nothing.
    for path in ["/settings", INTEGRATIONS, "/account/security", "/sudo"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 303, "{path}");
        assert!(page.location().starts_with("/sign-in"), "{path} → {}", page.location());
    }

    let wrong = browser.post_form("/sign-in/two-factor", &[("code", "123456")]).await;
    assert_eq!(wrong.status, 401);
    let code = code_now(&app, &secret);
    let passed = browser.post_form("/sign-in/two-factor", &[("code", &code)]).await;
    assert_eq!(passed.status, 303, "{}", passed.body);
    assert_eq!(passed.location(), "/settings");
    assert_eq!(browser.get(INTEGRATIONS).await.status, 200);

    // The same code, replayed by someone who watched it typed, is refused.
    let replay = app.new_browser();
    let refused = sign_in_with_code(&replay, people::OWNER, &code).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.text("#code-error"), "That code was used already. Wait for the next one.");
    assert_eq!(replay.get("/settings").await.status, 303);

    let recent = actions(&app, world.agency);
    assert_eq!(
        &recent[..4],
        ["user.second_step_failed", "user.password_accepted", "user.sign_in", "user.second_step_failed"]
    );
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_the_pages_count_what_is_left() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (_, codes) = set_up(&app, &app).await;

    let browser = app.new_browser();
    let passed = sign_in_with_code(&browser, people::OWNER, &codes[3].to_uppercase()).await;
    assert_eq!(passed.status, 303, "recovery codes are read case-insensitively:\n{}", passed.body);
    let landed = browser.follow(passed).await;
    assert!(
        landed.body.contains("You signed in with a recovery code; 9 are left."),
        "the person is told:\n{}",
        landed.body
    );
    assert_eq!(actions(&app, world.agency)[0], "user.recovery_code_used");

    let again = app.new_browser();
    let refused = sign_in_with_code(&again, people::OWNER, &codes[3]).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.text("#code-error"), "That recovery code is not right, or was used already.");
    assert!(refused.text("#code-hint").ends_with("(9 are left)."));
    assert!(browser.get("/account/security").await.body.contains("9 recovery codes are left"));
}

#[tokio::test]
async fn the_half_signed_in_state_lapses_after_five_minutes() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (secret, _) = set_up(&app, &app).await;

    let browser = app.new_browser();
    browser.get("/sign-in").await;
    browser.post_form("/sign-in", &[("email", people::OWNER), ("password", PASSWORD)]).await;
    browser.get("/sign-in/two-factor").await;
    app.clock.advance(Duration::minutes(5));
    let late = browser.post_form("/sign-in/two-factor", &[("code", &code_now(&app, &secret))]).await;
    assert_eq!(late.status, 303);
    assert_eq!(late.location(), "/sign-in", "back to the password");
    assert_eq!(browser.get("/sign-in/two-factor").await.location(), "/sign-in");
    assert_eq!(browser.get("/settings").await.status, 303);
}

#[tokio::test]
async fn the_second_step_is_throttled_like_sign_in_even_across_addresses() {
    let app = TestApp::spawn_with(Options {
        env: vec![("TRUSTED_PROXIES", "127.0.0.1/32".to_owned())],
        database: None,
        database_url: None,
    })
    .await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (secret, _) = set_up(&app, &app).await;

    // An attacker with the password guesses codes from many addresses.
    let mut guesses = 0;
    for address in 0..10 {
        let attacker = app.new_browser_from(&format!("203.0.113.{address}"));
        attacker.get("/sign-in").await;
        let first = attacker.post_form("/sign-in", &[("email", people::OWNER), ("password", PASSWORD)]).await;
        if first.status == 429 {
            break;
        }
        attacker.get("/sign-in/two-factor").await;
        for _ in 0..5 {
            let page = attacker.post_form("/sign-in/two-factor", &[("code", "000000")]).await;
            if page.status == 429 {
                break;
            }
            assert_eq!(page.status, 401);
            guesses += 1;
        }
    }
    assert_eq!(guesses, 20, "twenty wrong codes for one person in the window, whatever the addresses");

    // Even the right code waits out the window, then works.
    let owner = app.new_browser_from("198.51.100.7");
    let throttled = sign_in_with_code(&owner, people::OWNER, &code_now(&app, &secret)).await;
    assert_eq!(throttled.status, 429);
    assert!(throttled.text(".notice-error").starts_with("Too many wrong codes."));
    app.clock.advance(Duration::minutes(16));
    let passed = sign_in_with_code(&owner, people::OWNER, &code_now(&app, &secret)).await;
    assert_eq!(passed.status, 303);
}

#[tokio::test]
async fn an_agency_that_requires_two_factor_sends_people_without_it_to_set_it_up_first() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let policy = app.get("/settings/security").await;
    assert_eq!(policy.status, 200);
    assert!(policy.text("#require-hint").ends_with("4 people have not set it up yet."), "{}", policy.body);
    let saved = app.post_form("/settings/security", &[("require_two_factor", "on")]).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(actions(&app, world.agency)[0], "agency.security_update");

    // The owner, without two-factor, is sent to set it up at their next click.
    let next = app.get(INTEGRATIONS).await;
    assert_eq!(next.status, 303);
    assert_eq!(next.location(), "/account/security");

    let person = app.new_browser();
    let landed = person.sign_in(people::AGENCY_USER, PASSWORD).await;
    assert!(landed.body.contains("Your agency requires two-factor authentication."), "{}", landed.body);
    for path in ["/settings", INTEGRATIONS, "/settings/team"] {
        let page = person.get(path).await;
        assert_eq!((page.status, page.location()), (303, "/account/security"), "{path}");
    }
    let refused =
        person.post_form(&format!("{INTEGRATIONS}/new"), &[("name", "Zapier"), ("description", "")]).await;
    assert_eq!((refused.status, refused.location()), (303, "/account/security"));

    let (secret, _) = set_up(&app, &person).await;
    let settings = person.get("/settings").await;
    assert_ne!(settings.location(), "/account/security", "done: everything opens");
    assert_eq!(person.follow(settings).await.status, 200);
    let security = person.get("/account/security").await;
    assert!(!security.body.contains("/account/security/two-factor/disable"), "no Turn off while required");
    let off = person.post_form("/account/security/two-factor/disable", &[]).await;
    assert_eq!(off.status, 303);
    assert!(
        person
            .get("/account/security")
            .await
            .body
            .contains("Your agency requires two-factor authentication: it cannot be turned off.")
    );
    assert!(two_factor_on(&app, user_id(&app, people::AGENCY_USER)));

    // Another agency is not concerned.
    let other = app.new_browser();
    other.sign_in(people::OTHER_OWNER, PASSWORD).await;
    assert_eq!(other.get(INTEGRATIONS).await.status, 200);
    drop(secret);
}

#[tokio::test]
async fn only_team_managers_of_the_agency_see_or_change_the_policy() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    let person = app.new_browser();
    person.sign_in(people::AGENCY_USER, PASSWORD).await;
    assert_eq!(person.get("/settings/security").await.status, 403);
    let refused = person.post_form("/settings/security", &[("require_two_factor", "on")]).await;
    assert_eq!(refused.status, 403);
    let admin = app.new_browser();
    admin.sign_in(people::ADMIN_A, PASSWORD).await;
    assert_eq!(admin.get(&format!("/locations/{}/settings/security", world.sub_a)).await.status, 404);
    let agency: bool = private_integrations::db::schema::agencies::table
        .find(world.agency)
        .select(private_integrations::db::schema::agencies::require_two_factor)
        .first(&mut app.conn())
        .expect("agency");
    assert!(!agency, "nothing changed");
}

#[tokio::test]
async fn sudo_mode_asks_again_after_fifteen_minutes_and_the_wizard_draft_survives() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    assert_eq!(app.get(&format!("{INTEGRATIONS}/new")).await.status, 200, "signing in confirmed access");

    let next = app
        .post_form(&format!("{INTEGRATIONS}/new"), &[("name", "Zapier"), ("description", "CRM sync")])
        .await;
    assert_eq!(next.status, 303);
    app.get(&format!("{INTEGRATIONS}/new/scopes")).await;
    app.clock.advance(Duration::minutes(16));
    let scopes_page = format!("{INTEGRATIONS}/new/scopes");
    let asked = app
        .post_form_from(
            Some(&scopes_page),
            &scopes_page,
            &[("scopes", "locations.readonly"), ("scopes", "users.readonly"), ("step", "save")],
        )
        .await;
    assert_eq!(asked.status, 303);
    assert_eq!(asked.location(), "/sudo?return=%2Fsettings%2Fprivate-integrations%2Fnew%2Fscopes");
    assert_eq!(integrations_count(&app), 0, "nothing created yet");

    let prompt = app.get(asked.location()).await;
    assert_eq!(prompt.text("h1"), "Confirm access");
    assert_eq!(prompt.text("label[for=secret]"), "Password");
    let wrong = app.post_form("/sudo", &[("secret", "not my password"), ("return", &scopes_page)]).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.text("#confirm-error"), "That password is not right.");
    let confirmed = app.post_form("/sudo", &[("secret", PASSWORD), ("return", &scopes_page)]).await;
    assert_eq!((confirmed.status, confirmed.location()), (303, scopes_page.as_str()));

    let back = app.get(&scopes_page).await;
    let ticked = back.html();
    let checked: Vec<&str> = ticked
        .select(&scraper::Selector::parse("input[name=scopes][checked]").expect("selector"))
        .filter_map(|input| input.value().attr("value"))
        .collect();
    assert_eq!(checked, ["locations.readonly", "users.readonly"], "the draft kept every tick");
    let created = app
        .post_form(
            &scopes_page,
            &[("scopes", "locations.readonly"), ("scopes", "users.readonly"), ("step", "save")],
        )
        .await;
    assert_eq!(created.status, 303);
    assert!(revealed_token(&app.get(created.location()).await).is_some());

    let recent = actions(&app, world.agency);
    assert_eq!(&recent[..3], ["integration.create", "user.sudo_confirm", "user.sudo_failed"]);

    // Within fifteen minutes nothing asks again; sign-out ends sudo mode with the session.
    app.clock.advance(Duration::minutes(14));
    assert_eq!(app.get(&format!("{INTEGRATIONS}/new")).await.status, 200);
    app.clock.advance(Duration::minutes(2));
    assert_eq!(
        app.get(&format!("{INTEGRATIONS}/new")).await.location(),
        "/sudo?return=%2Fsettings%2Fprivate-integrations%2Fnew"
    );
}

fn integrations_count(app: &TestApp) -> i64 {
    private_integrations::db::schema::integrations::table.count().get_result(&mut app.conn()).expect("count")
}

#[tokio::test]
async fn every_dangerous_action_asks_to_confirm_access_and_changes_nothing_until_then() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (url, token) = create_integration(&app, INTEGRATIONS, "Zapier", &["locations.readonly"]).await;
    let agency_user = user_id(&app, people::AGENCY_USER);
    let team = format!("/settings/team/{agency_user}");
    app.get(&team).await;
    app.clock.advance(Duration::minutes(16));

    let gets = [
        format!("{INTEGRATIONS}/new"),
        format!("{url}/edit"),
        format!("{url}/rotate-later"),
        format!("{url}/rotate-now"),
        format!("{url}/delete"),
        team.clone(),
        "/settings/team/new".to_owned(),
    ];
    for path in &gets {
        let page = app.get(path).await;
        assert_eq!(page.status, 303, "{path}");
        assert!(page.location().starts_with("/sudo?return="), "{path} → {}", page.location());
    }
    let newcomer = vec![
        ("name", "Nia Newcomer"),
        ("email", "nia@acme.test"),
        ("role", "agency_admin"),
        ("password", "a long enough password"),
    ];
    let posts: [(String, Vec<(&str, &str)>); 10] = [
        ("/settings/team/new".to_owned(), newcomer),
        (format!("{url}/rotate-later"), vec![]),
        (format!("{url}/rotate-now"), vec![]),
        (format!("{url}/cancel-rotation"), vec![]),
        (format!("{url}/expire-now"), vec![]),
        (format!("{url}/delete"), vec![]),
        (team.clone(), vec![("role", "agency_admin")]),
        (format!("{team}/deactivate"), vec![]),
        ("/settings/security".to_owned(), vec![("require_two_factor", "on")]),
        (format!("{team}/reset-two-factor"), vec![]),
    ];
    for (path, fields) in &posts {
        let page = app.post_form_from(Some(&url), path, fields).await;
        assert_eq!(page.status, 303, "{path}: {}", page.body);
        assert_eq!(
            page.location(),
            format!("/sudo?return={}", urlencode(&url)),
            "{path}: back to where the form was"
        );
    }
    let still = crate::api::Api::new(&app).get("/v2/locations/search", Some(&token)).await;
    assert_eq!(still.0, 200, "the token works: nothing was rotated nor deleted");
    assert!(!actions(&app, world.agency).iter().any(|action| {
        [
            "integration.rotate_now",
            "integration.rotate_later",
            "integration.delete",
            "user.create",
            "user.update",
            "user.deactivate",
            "agency.security_update",
            "user.two_factor_reset",
        ]
        .contains(&action.as_str())
    }));
}

fn urlencode(path: &str) -> String {
    url::form_urlencoded::byte_serialize(path.as_bytes()).collect()
}

#[tokio::test]
async fn with_two_factor_on_sudo_asks_for_a_code_and_turning_it_off_needs_sudo() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (secret, codes) = set_up(&app, &app).await;
    app.clock.advance(Duration::minutes(16));

    let asked =
        app.post_form_from(Some("/account/security"), "/account/security/two-factor/disable", &[]).await;
    assert_eq!(asked.location(), "/sudo?return=%2Faccount%2Fsecurity");
    let prompt = app.get(asked.location()).await;
    assert_eq!(prompt.text("label[for=secret]"), "Authentication code");
    let password = app.post_form("/sudo", &[("secret", PASSWORD), ("return", "/account/security")]).await;
    assert_eq!(password.status, 401, "with two-factor on, the password alone does not confirm");
    let code = app
        .post_form("/sudo", &[("secret", &code_now(&app, &secret)), ("return", "/account/security")])
        .await;
    assert_eq!((code.status, code.location()), (303, "/account/security"));

    // Regenerating codes: the old ones stop working.
    let fresh = app.post_form("/account/security/recovery-codes", &[]).await;
    assert_eq!(fresh.status, 200);
    let new_codes = fresh.texts(".recovery-codes code");
    assert_eq!(new_codes.len(), 10);
    assert!(new_codes.iter().all(|code| !codes.contains(code)));
    let old = sign_in_with_code(&app.new_browser(), people::OWNER, &codes[0]).await;
    assert_eq!(old.status, 401);

    let off = app.post_form("/account/security/two-factor/disable", &[]).await;
    assert_eq!(off.status, 303);
    assert!(app.get("/account/security").await.body.contains("Two-factor authentication is off."));
    assert!(!two_factor_on(&app, world.owner));
    let recent = actions(&app, world.agency);
    assert_eq!(
        &recent[..6],
        [
            "user.two_factor_disable",
            "user.second_step_failed",
            "user.password_accepted",
            "user.recovery_codes_regenerate",
            "user.sudo_confirm",
            "user.sudo_failed"
        ]
    );

    // A return address to another site is never followed, nor one a browser would read
    // as another site once it drops the tab or line break (`//evil.example`).
    for outside in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
        "/\r\n/evil.example",
    ] {
        let page = app.post_form("/sudo", &[("secret", PASSWORD), ("return", outside)]).await;
        assert_eq!((page.status, page.location()), (303, "/settings"), "{outside}");
    }
}

#[tokio::test]
async fn a_team_manager_resets_a_lost_two_factor_and_the_persons_sessions_end() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    let person = app.new_browser();
    person.sign_in(people::AGENCY_USER, PASSWORD).await;
    set_up(&app, &person).await;
    let id = user_id(&app, people::AGENCY_USER);

    app.sign_in(people::OWNER, PASSWORD).await;
    let list = app.get("/settings/team").await;
    let row = list.texts("tbody tr").into_iter().find(|row| row.contains("agency user")).expect("their row");
    assert!(row.contains("On"), "{row}");
    let page = app.get(&format!("/settings/team/{id}")).await;
    assert!(page.body.contains("Reset two-factor"));
    let reset = app.post_form(&format!("/settings/team/{id}/reset-two-factor"), &[]).await;
    assert_eq!(reset.status, 303, "{}", reset.body);
    assert!(!two_factor_on(&app, id));
    assert_eq!(actions(&app, world.agency)[0], "user.two_factor_reset");
    assert_eq!(person.get("/settings").await.location(), "/sign-in", "their session ended");
    let again = person.sign_in(people::AGENCY_USER, PASSWORD).await;
    assert_eq!(again.status, 200, "the password alone signs them in again");

    // Nobody resets someone of another agency.
    let other = app.new_browser();
    other.sign_in(people::OTHER_OWNER, PASSWORD).await;
    let refused = other.post_form(&format!("/settings/team/{id}/reset-two-factor"), &[]).await;
    assert_eq!(refused.status, 404);
}

#[tokio::test]
async fn changing_ones_password_needs_the_current_one_and_ends_the_other_sessions() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    let elsewhere = app.new_browser();
    elsewhere.sign_in(people::OWNER, PASSWORD).await;
    app.sign_in(people::OWNER, PASSWORD).await;
    app.get("/account/security").await;

    let new = "a brand new passphrase";
    let wrong = app
        .post_form(
            "/account/security/password",
            &[("current_password", "not it"), ("new_password", new), ("new_password_confirmation", new)],
        )
        .await;
    assert_eq!(wrong.status, 422);
    let mismatch = app
        .post_form(
            "/account/security/password",
            &[("current_password", PASSWORD), ("new_password", new), ("new_password_confirmation", "other")],
        )
        .await;
    assert_eq!(mismatch.status, 422);
    assert_eq!(mismatch.text("#new_password_confirmation-error"), "The passwords don't match.");
    let common = app
        .post_form(
            "/account/security/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "Password1234"),
                ("new_password_confirmation", "Password1234"),
            ],
        )
        .await;
    assert_eq!(common.status, 422);
    assert_eq!(
        common.text("#new_password-error"),
        "This password is one of the most common ones. Choose another."
    );

    let changed = app
        .post_form(
            "/account/security/password",
            &[("current_password", PASSWORD), ("new_password", new), ("new_password_confirmation", new)],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    let page = app.get("/account/security").await;
    assert!(
        page.body.contains("Your password is changed. Your other session was signed out."),
        "{}",
        page.body
    );
    assert_eq!(app.get(INTEGRATIONS).await.status, 200, "this session carries on");
    assert_eq!(elsewhere.get("/settings").await.location(), "/sign-in");
    assert_eq!(actions(&app, world.agency)[0], "user.password_change");
    let fresh = app.new_browser();
    fresh.get("/sign-in").await;
    let old = fresh.post_form("/sign-in", &[("email", people::OWNER), ("password", PASSWORD)]).await;
    assert_eq!(old.status, 401);
    fresh.sign_in(people::OWNER, new).await;
}

#[tokio::test]
async fn operators_reset_two_factor_from_the_command_line() {
    let app = TestApp::spawn().await;
    let url = app.db.url();
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    set_up(&app, &app).await;

    let run = |email: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_private-integrations"))
            .args(["user", "reset-2fa", "--email", email])
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run the binary")
    };
    let done = run(people::OWNER);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    assert_eq!(
        String::from_utf8_lossy(&done.stdout).trim(),
        "Two-factor authentication of owner@acme.test is off; they set it up again if their agency requires it."
    );
    assert!(!two_factor_on(&app, world.owner));
    assert_eq!(app.get("/settings").await.location(), "/sign-in", "their sessions ended");
    assert_eq!(actions(&app, world.agency)[0], "user.two_factor_reset");

    let unknown = run("nobody@acme.test");
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("nobody@acme.test"));
}

#[tokio::test]
async fn halfway_through_signing_in_one_can_start_again_as_someone_else() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    set_up(&app, &app).await;

    let browser = app.new_browser();
    browser.get("/sign-in").await;
    let first = browser.post_form("/sign-in", &[("email", people::OWNER), ("password", PASSWORD)]).await;
    assert_eq!(first.location(), "/sign-in/two-factor");
    let step = browser.get("/sign-in/two-factor").await;
    assert_eq!(crate::support::asset_url(&step, ".auth-footer a", "href"), "/sign-in");
    let other = browser.sign_in(people::AGENCY_USER, PASSWORD).await;
    assert_eq!(other.status, 200, "the sign-in page's form works from the half-signed-in state");
    assert!(browser.get("/account/security").await.body.contains(people::AGENCY_USER));
}

#[tokio::test]
async fn setting_up_needs_sudo_and_someone_the_policy_holds_back_can_still_confirm_access() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    app.post_form("/settings/security", &[("require_two_factor", "on")]).await;

    let person = app.new_browser();
    person.sign_in(people::AGENCY_USER, PASSWORD).await;
    app.clock.advance(Duration::minutes(16));
    let asked = person.post_form_from(Some("/account/security"), "/account/security/two-factor", &[]).await;
    assert_eq!(
        asked.location(),
        "/sudo?return=%2Faccount%2Fsecurity",
        "a stolen session cannot add its own factor"
    );
    let prompt = person.get(asked.location()).await;
    assert_eq!(prompt.status, 200, "the policy does not send them away from Confirm access");
    let confirmed = person.post_form("/sudo", &[("secret", PASSWORD), ("return", "/account/security")]).await;
    assert_eq!((confirmed.status, confirmed.location()), (303, "/account/security"));
    set_up(&app, &person).await;
    assert_eq!(person.follow(person.get("/settings").await).await.status, 200);
}

#[tokio::test]
async fn confirming_access_renews_the_session_id() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    app.clock.advance(Duration::minutes(16));
    app.get("/sudo?return=/settings").await;
    let confirmed = app.post_form("/sudo", &[("secret", PASSWORD), ("return", "/settings")]).await;
    assert_eq!(confirmed.status, 303);
    assert!(confirmed.cookie("pi_session").is_some(), "a new session cookie is set");
    let stored: i64 = private_integrations::db::schema::sessions::table
        .count()
        .get_result(&mut app.conn())
        .expect("sessions");
    assert_eq!(stored, 1, "the old session row is gone");
    assert_eq!(app.get(&format!("{INTEGRATIONS}/new")).await.status, 200, "in sudo mode under the new id");
}

#[tokio::test]
async fn turning_two_factor_on_or_off_signs_out_ones_other_sessions() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    let elsewhere = app.new_browser();
    elsewhere.sign_in(people::OWNER, PASSWORD).await;
    app.sign_in(people::OWNER, PASSWORD).await;
    let (secret, _) = set_up(&app, &app).await;
    assert_eq!(
        elsewhere.get("/settings").await.location(),
        "/sign-in",
        "turning it on ended the other session"
    );
    assert_eq!(app.get(INTEGRATIONS).await.status, 200, "this one carries on");

    let again = app.new_browser();
    sign_in_with_code(&again, people::OWNER, &code_now(&app, &secret)).await;
    assert_eq!(again.get(INTEGRATIONS).await.status, 200);
    let off = app.post_form("/account/security/two-factor/disable", &[]).await;
    assert_eq!(off.status, 303);
    let page = app.get("/account/security").await;
    assert!(
        page.body.contains("Two-factor authentication is off. Your other session was signed out."),
        "{}",
        page.body
    );
    assert_eq!(again.get("/settings").await.location(), "/sign-in");
}

#[tokio::test]
async fn a_wrong_current_password_is_throttled_and_audited() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    app.get("/account/security").await;
    let new = "a brand new passphrase";
    for _ in 0..5 {
        let fields = [
            ("current_password", "a guess at it"),
            ("new_password", new),
            ("new_password_confirmation", new),
        ];
        let page = app.post_form("/account/security/password", &fields).await;
        assert_eq!(page.text("#current_password-error"), "That is not your current password.");
    }
    let fields = [("current_password", PASSWORD), ("new_password", new), ("new_password_confirmation", new)];
    let throttled = app.post_form("/account/security/password", &fields).await;
    assert_eq!(throttled.status, 422);
    assert!(
        throttled.text("#current_password-error").starts_with("Too many attempts."),
        "even the right one waits"
    );
    assert_eq!(actions(&app, world.agency)[0], "user.password_change_failed");
}

#[tokio::test]
async fn setting_a_secret_key_later_locks_nobody_out_of_two_factor() {
    let first = TestApp::spawn().await;
    seed(&mut first.conn());
    first.sign_in(people::OWNER, PASSWORD).await;
    let (secret, codes) = set_up(&first, &first).await;

    let keyed = TestApp::spawn_with(Options {
        env: vec![("SECRET_KEY", "a secret key set after the fact, long enough".to_owned())],
        database: None,
        database_url: Some(first.db.url()),
    })
    .await;
    keyed.clock.advance(Duration::minutes(1));
    let browser = keyed.new_browser();
    let passed = sign_in_with_code(&browser, people::OWNER, &code_now(&keyed, &secret)).await;
    assert_eq!(passed.status, 303, "the code still works: {}", passed.body);
    let recovery = sign_in_with_code(&keyed.new_browser(), people::OWNER, &codes[0]).await;
    assert_eq!(recovery.status, 303, "and the recovery codes");
}
