//! Notifications: who hears of what (the people who manage the integration's level), the
//! bell and the page, emails through a real SMTP conversation with a local sink (and the
//! per-person switch), and the scheduler: `token.expiring` once as the clock crosses the
//! 24-hour mark, `token.expired`, `integration.rotation_recommended` and
//! `integration.unused`, once each across instances.

use chrono::Duration;
use private_integrations::domain::events::EventKind;

use crate::support::receiver::{Receiver, SmtpSink};
use crate::support::{
    Browser, Options, PASSWORD, TestApp, World, create_integration, join_all, people, signed_in_app,
};

const INTEGRATIONS: &str = "/settings/private-integrations";

async fn browser_of(app: &TestApp, email: &str) -> Browser {
    let browser = app.new_browser();
    browser.sign_in(email, PASSWORD).await;
    browser
}

/// The headlines on a person's Notifications page.
async fn headlines(browser: &Browser) -> Vec<String> {
    browser.get("/notifications").await.texts(".notification-text")
}

async fn bell(browser: &Browser) -> String {
    browser.get("/settings").await;
    let page = browser.get("/notifications").await;
    page.html()
        .select(&scraper::Selector::parse(".bell").expect("selector"))
        .next()
        .and_then(|bell| bell.value().attr("aria-label").map(str::to_owned))
        .expect("a bell")
}

fn kinds(app: &TestApp, world: &World) -> Vec<EventKind> {
    private_integrations::db::events::kinds_of(&mut app.conn(), world.agency).expect("events")
}

async fn schedule(app: &TestApp) -> usize {
    private_integrations::app::notifications::schedule(app.state()).await.expect("the scheduler runs")
}

/// Moves the clock on and signs the main browser in again (its session expired).
async fn later(app: &TestApp, by: Duration) {
    app.clock.advance(by);
    app.sign_in(people::OWNER, PASSWORD).await;
}

#[tokio::test]
async fn the_people_who_manage_a_level_hear_of_its_integrations() {
    let (app, world) = signed_in_app(Vec::new()).await;
    create_integration(&app, INTEGRATIONS, "HQ reports", &["users.readonly"]).await;
    let sub = format!("/locations/{}/settings/private-integrations", world.sub_a);
    create_integration(&app, &sub, "Front desk", &["contacts.readonly"]).await;

    let owner = &app.browser;
    assert_eq!(
        headlines(owner).await,
        ["Integration “Front desk” was created", "Integration “HQ reports” was created"]
    );
    let admin = browser_of(&app, people::ADMIN_A).await;
    assert_eq!(headlines(&admin).await, ["Integration “Front desk” was created"], "their sub-account only");
    for bystander in [people::AGENCY_USER, people::USER_A, people::OTHER_OWNER] {
        let browser = browser_of(&app, bystander).await;
        let page = browser.get("/notifications").await;
        assert!(page.texts(".notification-text").is_empty(), "{bystander}: {}", page.body);
    }

    assert_eq!(bell(owner).await, "Notifications, 2 unread");
    let page = owner.get("/notifications").await;
    assert_eq!(page.texts(".notification-unread").len(), 2);
    // The second is HQ's, which only the owner was told of.
    let first = page
        .html()
        .select(&scraper::Selector::parse("input[name=event]").expect("selector"))
        .nth(1)
        .and_then(|input| input.value().attr("value").map(str::to_owned))
        .expect("a notification to mark");
    let marked = owner.post_form("/notifications/read", &[("event", &first)]).await;
    assert_eq!(marked.status, 303);
    assert_eq!(bell(owner).await, "Notifications, 1 unread");
    // Marking another person's notification read changes nothing of theirs.
    admin.get("/notifications").await;
    admin.post_form("/notifications/read", &[("event", &first)]).await;
    assert_eq!(bell(&admin).await, "Notifications, 1 unread");
    owner.get("/notifications").await;
    owner.post_form("/notifications/read", &[]).await;
    assert_eq!(bell(owner).await, "Notifications");
    assert!(owner.get("/notifications").await.texts(".notification-unread").is_empty());
}

#[tokio::test]
async fn token_expiring_is_told_once_as_the_clock_crosses_the_24_hour_mark() {
    let (app, world) = signed_in_app(Vec::new()).await;
    let second =
        TestApp::spawn_with(Options { env: Vec::new(), database: None, database_url: Some(app.db.url()) })
            .await;
    let receiver = Receiver::start().await;
    app.get("/settings/webhooks/new").await;
    let created = app
        .post_form(
            "/settings/webhooks/new",
            &[
                ("url", &format!("{}/h", receiver.url)),
                ("events", "token.expiring"),
                ("events", "token.expired"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let (integration, _) = create_integration(&app, INTEGRATIONS, "Nightly sync", &["users.readonly"]).await;
    let rotated = app.post_form(&format!("{integration}/rotate-later"), &[]).await;
    assert_eq!(rotated.status, 303, "{}", rotated.body);

    // Seven days of overlap: nothing to tell until the last 24 hours. Both instances read
    // the same time.
    let advance = |by: Duration| {
        app.clock.advance(by);
        second.clock.advance(by);
    };
    assert_eq!(schedule(&app).await, 0);
    advance(Duration::days(6) - Duration::minutes(1));
    assert_eq!(schedule(&app).await, 0, "a minute before the mark");
    advance(Duration::minutes(2));
    let found = join_all(vec![schedule(&app), schedule(&second), schedule(&app)]).await;
    assert_eq!(found.iter().sum::<usize>(), 1, "told once across instances: {found:?}");
    advance(Duration::hours(1));
    assert_eq!(schedule(&second).await, 0, "and never again");
    assert_eq!(kinds(&app, &world).iter().filter(|kind| **kind == EventKind::TokenExpiring).count(), 1);

    private_integrations::app::webhooks::deliver_due(app.state()).await.expect("deliver");
    let told = receiver.received();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].json()["type"], "token.expiring");
    assert!(told[0].json()["data"]["token"]["expiresAt"].is_string(), "{}", told[0].body);

    advance(Duration::hours(23));
    app.sign_in(people::OWNER, PASSWORD).await;
    assert_eq!(schedule(&app).await, 1, "the overlap ended");
    assert_eq!(schedule(&second).await, 0);
    let mine = headlines(&app.browser).await;
    assert_eq!(mine[0], "The old token of “Nightly sync” stopped working");
    assert_eq!(mine[1], "The old token of “Nightly sync” stops working within 24 hours");
}

#[tokio::test]
async fn old_and_unused_integrations_are_told_once() {
    let (app, world) = signed_in_app(vec![("UNUSED_AFTER_DAYS", "30".to_owned())]).await;
    create_integration(&app, INTEGRATIONS, "Forgotten", &["users.readonly"]).await;
    app.clock.advance(Duration::days(29));
    assert_eq!(schedule(&app).await, 0);
    app.clock.advance(Duration::days(2));
    assert_eq!(schedule(&app).await, 1);
    assert_eq!(schedule(&app).await, 0);
    app.clock.advance(Duration::days(60));
    assert_eq!(schedule(&app).await, 1, "90 days: rotation recommended (unused was told already)");
    assert_eq!(
        kinds(&app, &world),
        [EventKind::IntegrationCreated, EventKind::IntegrationUnused, EventKind::RotationRecommended]
    );
    app.sign_in(people::OWNER, PASSWORD).await;
    assert_eq!(
        headlines(&app.browser).await[..2],
        [
            "The token of “Forgotten” is over 90 days old: rotate it",
            "“Forgotten” has not been used in 30 days"
        ]
    );
}

/// A message's subject, decoded (RFC 2047 encoded words, as lettre writes non-ASCII).
fn subject(data: &str) -> String {
    use base64::Engine as _;
    let mut lines = data.split("\r\n").skip_while(|line| !line.starts_with("Subject: "));
    let mut raw = lines.next().expect("a subject").trim_start_matches("Subject: ").to_owned();
    for line in lines.take_while(|line| line.starts_with(' ')) {
        raw.push_str(line);
    }
    // Whitespace between two encoded words is not part of the text.
    let mut decoded = String::new();
    let mut after_encoded = false;
    for word in raw.split_whitespace() {
        let encoded = word.strip_prefix("=?utf-8?b?").and_then(|rest| rest.strip_suffix("?="));
        if !(decoded.is_empty() || after_encoded && encoded.is_some()) {
            decoded.push(' ');
        }
        match encoded {
            Some(encoded) => {
                let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).expect("base64");
                decoded.push_str(&String::from_utf8(bytes).expect("utf-8"));
            }
            None => decoded.push_str(word),
        }
        after_encoded = encoded.is_some();
    }
    decoded
}

#[tokio::test]
async fn notifications_are_emailed_through_smtp_to_those_who_want_them() {
    let sink = SmtpSink::start().await;
    let (app, world) = signed_in_app(vec![
        ("SMTP_URL", sink.url.clone()),
        ("SMTP_FROM", "Private Integrations <pi@acme.test>".to_owned()),
        ("PUBLIC_URL", "https://pi.acme.test".to_owned()),
    ])
    .await;
    // The account admin turns email off on their Security page.
    let admin = browser_of(&app, people::ADMIN_A).await;
    let security = admin.get("/account/security").await;
    assert!(security.body.contains("Notification emails"), "{}", security.body);
    let off = admin.post_form("/account/security/notifications", &[]).await;
    assert_eq!(off.status, 303, "{}", off.body);

    let sub = format!("/locations/{}/settings/private-integrations", world.sub_a);
    create_integration(&app, &sub, "Front desk", &["contacts.readonly"]).await;
    let sent = private_integrations::app::notifications::send_due_emails(app.state()).await.expect("emails");
    assert_eq!(sent, 1);
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["owner@acme.test"]);
    assert_eq!(subject(&mails[0].data), "[Private Integrations] Integration “Front desk” was created");
    assert!(mails[0].data.contains("pi@acme.test"), "{}", mails[0].data);
    assert!(mails[0].data.contains("https://pi.acme.test/notifications"), "{}", mails[0].data);
    assert_eq!(
        private_integrations::app::notifications::send_due_emails(app.state()).await.expect("emails"),
        0,
        "each email goes once"
    );
    // The admin still sees it under the bell.
    assert_eq!(headlines(&admin).await, ["Integration “Front desk” was created"]);

    // Turning email off drops what is still owed.
    create_integration(&app, &sub, "Back office", &["contacts.readonly"]).await;
    app.get("/account/security").await;
    assert_eq!(app.post_form("/account/security/notifications", &[]).await.status, 303);
    let after = private_integrations::app::notifications::send_due_emails(app.state()).await.expect("emails");
    assert_eq!((after, sink.mails().len()), (0, 1));
}

#[tokio::test]
async fn a_rotation_run_again_after_a_cancel_is_told_again() {
    let (app, world) = signed_in_app(Vec::new()).await;
    let (integration, _) = create_integration(&app, INTEGRATIONS, "Twice", &["users.readonly"]).await;
    for round in 0..2 {
        let rotated = app.post_form(&format!("{integration}/rotate-later"), &[]).await;
        assert_eq!(rotated.status, 303, "{}", rotated.body);
        later(&app, Duration::days(6) + Duration::minutes(1)).await;
        assert_eq!(schedule(&app).await, 1, "round {round}: token.expiring");
        let cancelled = app.post_form(&format!("{integration}/cancel-rotation"), &[]).await;
        assert_eq!(cancelled.status, 303, "{}", cancelled.body);
    }
    let expiring = kinds(&app, &world).into_iter().filter(|kind| *kind == EventKind::TokenExpiring).count();
    assert_eq!(expiring, 2, "the same old token, two rotations: told for each");
}

#[tokio::test]
async fn someone_who_no_longer_manages_a_level_stops_seeing_its_notifications_at_once() {
    use diesel::prelude::*;
    use private_integrations::db::schema::users;
    let (app, world) = signed_in_app(Vec::new()).await;
    let sub = format!("/locations/{}/settings/private-integrations", world.sub_a);
    create_integration(&app, &sub, "Front desk", &["contacts.readonly"]).await;
    let admin = browser_of(&app, people::ADMIN_A).await;
    let told = ["Integration “Front desk” was created"];
    assert_eq!(headlines(&admin).await, told);
    assert_eq!(bell(&admin).await, "Notifications, 1 unread");

    // The owner takes "Manage private integrations" away: on the admin's next request,
    // A's notifications are gone from their page and their bell.
    let id: uuid::Uuid = users::table
        .filter(users::email.eq(people::ADMIN_A))
        .select(users::id)
        .first(&mut app.conn())
        .expect("the admin");
    let url = format!("/settings/team/{id}");
    let (sub_a, sub_b) = (world.sub_a.to_string(), world.sub_b.to_string());
    let set = |fields: Vec<(&'static str, String)>| {
        let (app, url) = (&app, &url);
        async move {
            app.get(url).await;
            let fields: Vec<(&str, &str)> =
                fields.iter().map(|(name, value)| (*name, value.as_str())).collect();
            let saved = app.post_form(url, &fields).await;
            assert_eq!(saved.status, 303, "{}", saved.body);
        }
    };
    let admin_of = |sub_account: &String, integrations: bool| {
        let mut fields = vec![("role", "account_admin".to_owned()), ("manage_staff", "on".to_owned())];
        if integrations {
            fields.push(("manage_integrations", "on".to_owned()));
        }
        fields.push(("sub_accounts", sub_account.clone()));
        fields
    };
    set(admin_of(&sub_a, false)).await;
    assert!(headlines(&admin).await.is_empty());
    assert_eq!(bell(&admin).await, "Notifications");

    // Given back, they are there again, still unread.
    set(admin_of(&sub_a, true)).await;
    assert_eq!(headlines(&admin).await, told);
    assert_eq!(bell(&admin).await, "Notifications, 1 unread");

    // Moved to sub-account B, where they manage integrations: A's are not theirs.
    set(admin_of(&sub_b, true)).await;
    assert!(headlines(&admin).await.is_empty());
    assert_eq!(bell(&admin).await, "Notifications");
    // The owner, who manages every level, still sees it.
    assert_eq!(headlines(&app.browser).await, told);
}
