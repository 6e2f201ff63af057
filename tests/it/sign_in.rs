//! Signing in and out: success, the one generic failure, throttling, session renewal at
//! sign-in and its end at sign-out, timeouts.

use chrono::Duration;
use diesel::prelude::*;
use private_integrations::clock::Clock as _;
use private_integrations::db;

use crate::support::{PASSWORD, TestApp, people, seed};

#[tokio::test]
async fn signing_in_opens_the_settings_shell() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    let shell = app.sign_in(people::OWNER, PASSWORD).await;
    assert_eq!(shell.status, 200);
    assert_eq!(shell.text(".switcher-name"), "Acme Agency");
    let nav = shell.texts(".sidenav a");
    assert_eq!(nav, ["Team", "Private Integrations", "Webhooks", "Labs", "Security", "Audit log"]);
    let contexts = shell.texts(".switcher .menu-panel a");
    assert_eq!(contexts, ["Acme Agency Agency", "Alpha Dental Sub-account", "Beta Fitness Sub-account"]);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_message() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    let wrong =
        app.post_form("/sign-in", &[("email", people::OWNER), ("password", "not the password")]).await;
    let unknown = app.post_form("/sign-in", &[("email", "nobody@acme.test"), ("password", PASSWORD)]).await;
    for page in [&wrong, &unknown] {
        assert_eq!(page.status, 401);
        assert_eq!(page.text(".notice-error"), "Incorrect email or password.");
    }
    assert_eq!(
        wrong
            .html()
            .select(&scraper::Selector::parse("#email").expect("s"))
            .next()
            .and_then(|e| e.value().attr("value")),
        Some(people::OWNER),
        "the email is kept"
    );
    // Not signed in.
    assert_eq!(app.get("/settings").await.location(), "/sign-in");
}

#[tokio::test]
async fn unknown_emails_cost_the_same_argon2_work_as_wrong_passwords() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    // Timing is what an attacker measures; its cause is the work done. Counting the
    // argon2id verifications makes the claim exact instead of a wall-clock comparison.
    for email in ["owner@acme.test", "nobody@acme.test", "agency.user@acme.test", "someone@else.test"] {
        let before = app.state().passwords.verifications();
        let page = app.post_form("/sign-in", &[("email", email), ("password", "wrong password")]).await;
        assert_eq!(page.status, 401, "{email}");
        assert_eq!(
            app.state().passwords.verifications(),
            before + 1,
            "one argon2id verification for {email}"
        );
    }
}

#[tokio::test]
async fn sign_in_is_throttled_after_repeated_failures_and_recovers_later() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    for _ in 0..5 {
        let page =
            app.post_form("/sign-in", &[("email", people::OWNER), ("password", "wrong password")]).await;
        assert_eq!(page.status, 401);
    }
    let throttled = app.post_form("/sign-in", &[("email", people::OWNER), ("password", PASSWORD)]).await;
    assert_eq!(throttled.status, 429, "even the right password is refused while throttled");
    assert!(throttled.text(".notice-error").starts_with("Too many failed sign-in attempts."));

    // Another account from the same address is not locked by these five.
    let other = app.post_form("/sign-in", &[("email", people::ADMIN_A), ("password", PASSWORD)]).await;
    assert_eq!(other.status, 303);
    app.follow(other).await;
    app.sign_out().await;

    app.clock.advance(Duration::minutes(16));
    let later = app.post_form("/sign-in", &[("email", people::OWNER), ("password", PASSWORD)]).await;
    assert_eq!(later.status, 303, "the window has passed");
}

#[tokio::test]
async fn sign_in_is_throttled_per_address_across_emails() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    for index in 0..20 {
        let email = format!("guess{index}@acme.test");
        app.post_form("/sign-in", &[("email", &email), ("password", "wrong password")]).await;
    }
    let page = app.post_form("/sign-in", &[("email", people::OWNER), ("password", PASSWORD)]).await;
    assert_eq!(page.status, 429);
}

#[tokio::test]
async fn signing_in_renews_the_session_id_and_signing_out_destroys_it() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    let before = app.get("/sign-in").await;
    assert_eq!(before.cookie("pi_session"), None, "showing the page starts no session");
    let sessions: i64 =
        db::schema::sessions::table.count().get_result(&mut app.conn()).expect("count sessions");
    assert_eq!(sessions, 0, "pages before sign-in write nothing");

    // An attacker plants a validly signed session id of their own (signed out since) in
    // the victim's browser (session fixation).
    let attacker = app.new_browser();
    attacker.get("/sign-in").await;
    let theirs = attacker.post_form("/sign-in", &[("email", people::USER_A), ("password", PASSWORD)]).await;
    let anonymous = theirs.cookie("pi_session").expect("the attacker's session").to_owned();
    attacker.get("/settings").await;
    attacker.follow(attacker.get("/settings").await).await;
    attacker.sign_out().await;
    let victim =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let form = victim.get(format!("{}/sign-in", app.address)).send().await.expect("GET");
    let csrf_cookie = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|line| line.starts_with("pi_csrf="))
        .map(cookie_value)
        .expect("csrf cookie");
    let csrf = crate::support::csrf_in_page(&form.text().await.expect("body")).expect("csrf field");
    let response = victim
        .post(format!("{}/sign-in", app.address))
        .header("cookie", format!("{}; {csrf_cookie}", cookie_value(&anonymous)))
        .header("origin", &app.address)
        .form(&[("csrf_token", csrf.as_str()), ("email", people::OWNER), ("password", PASSWORD)])
        .send()
        .await
        .expect("POST");
    let renewed = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|line| line.starts_with("pi_session="))
        .expect("a new cookie is set at sign-in")
        .to_owned();
    assert!(renewed.contains("HttpOnly") && renewed.contains("SameSite=Lax"), "{renewed}");
    assert_ne!(cookie_value(&anonymous), cookie_value(&renewed), "the session id changes at sign-in");
    app.get("/sign-in").await;
    app.post_form("/sign-in", &[("email", people::OWNER), ("password", PASSWORD)]).await;
    let now = private_integrations::clock::Clock::now(&*app.clock);
    assert_eq!(db::sessions::count_for_user(&mut app.conn(), world.owner, now).expect("count"), 2);

    // Replaying the pre-sign-in cookie does not give the signed-in session.
    let replay =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let response = replay
        .get(format!("{}/settings", app.address))
        .header("cookie", cookie_value(&anonymous))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), 303);

    let stolen = cookie_value(&renewed);
    // The victim's browser signs out.
    let page = victim
        .get(format!("{}/settings/team", app.address))
        .header("cookie", &stolen)
        .send()
        .await
        .expect("GET");
    let csrf = crate::support::csrf_in_page(&page.text().await.expect("body")).expect("csrf");
    let out = victim
        .post(format!("{}/sign-out", app.address))
        .header("cookie", &stolen)
        .header("origin", &app.address)
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("sign out");
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()["location"], "/sign-in?signed_out=1");
    assert_eq!(
        db::sessions::count_for_user(&mut app.conn(), world.owner, now).expect("count"),
        1,
        "the other session stays"
    );
    app.get("/settings/team").await;
    app.post_form("/sign-out", &[]).await;
    let page = app.get("/sign-in?signed_out=1").await;
    assert_eq!(page.text(".notice-success"), "You have signed out.");

    // The signed-out session's cookie no longer works anywhere.
    let response =
        replay.get(format!("{}/settings", app.address)).header("cookie", stolen).send().await.expect("GET");
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/sign-in");
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or("").to_owned()
}

#[tokio::test]
async fn idle_sessions_end_and_active_ones_end_at_their_absolute_lifetime() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    app.clock.advance(Duration::minutes(119));
    assert_eq!(app.get("/settings").await.status, 303);
    assert_ne!(
        app.get("/settings").await.location(),
        "/sign-in",
        "activity within the idle timeout keeps it alive"
    );

    app.clock.advance(Duration::minutes(121));
    assert_eq!(app.get("/settings").await.location(), "/sign-in", "two idle hours end it");

    app.sign_in(people::OWNER, PASSWORD).await;
    for _ in 0..13 {
        app.clock.advance(Duration::minutes(60));
        app.get("/settings").await;
    }
    assert_eq!(app.get("/settings").await.location(), "/sign-in", "12 hours end it however active");
}

#[tokio::test]
async fn page_views_within_a_minute_do_not_rewrite_the_session() {
    use private_integrations::db::schema::sessions;

    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let deadline = |app: &TestApp| -> chrono::DateTime<chrono::Utc> {
        sessions::table
            .filter(sessions::user_id.is_not_null())
            .select(sessions::expires_at)
            .first(&mut app.conn())
            .expect("the session")
    };
    app.clock.advance(Duration::minutes(10));
    app.get("/settings").await;
    let extended = deadline(&app);
    assert_eq!(extended, app.clock.now() + Duration::minutes(120), "a page view extends the idle deadline");

    app.clock.advance(Duration::seconds(50));
    app.get("/settings").await;
    assert_eq!(deadline(&app), extended, "within a minute, nothing is written");

    app.clock.advance(Duration::seconds(20));
    app.get("/settings").await;
    assert_eq!(deadline(&app), app.clock.now() + Duration::minutes(120), "after a minute, it moves again");
}

#[tokio::test]
async fn a_deactivated_user_cannot_sign_in_and_their_open_session_ends() {
    use diesel::prelude::*;
    use private_integrations::db::schema::users;

    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    diesel::update(users::table.filter(users::email.eq(people::OWNER)))
        .set(users::active.eq(false))
        .execute(&mut app.conn())
        .expect("deactivate");
    assert_eq!(app.get("/settings").await.location(), "/sign-in");
    app.get("/sign-in").await;
    let page = app.post_form("/sign-in", &[("email", people::OWNER), ("password", PASSWORD)]).await;
    assert_eq!(page.status, 401);
    assert_eq!(page.text(".notice-error"), "Incorrect email or password.");
}

#[tokio::test]
async fn sign_ins_and_failures_are_audited() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.post_form("/sign-in", &[("email", people::OWNER), ("password", "wrong password")]).await;
    app.clock.advance(Duration::seconds(1));
    app.sign_in(people::OWNER, PASSWORD).await;
    let actions = crate::support::actions(&app, world.agency);
    assert_eq!(actions, ["user.sign_in", "user.sign_in_failed"]);
}
