//! Webhooks: endpoints added through the Settings forms, real deliveries to a local
//! receiver that checks Standard Webhooks signatures with the secret the page showed once,
//! retries with the same id, one delivery across two instances, a failing endpoint
//! disabled after a day, secret rotation, the SSRF guard and the tenant wall. Time is moved
//! on the app's clock; deliveries go when a test sends them.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::Duration;
use hmac::{Hmac, Mac as _};
use private_integrations::clock::Clock as _;
use sha2::Sha256;

use crate::support::receiver::{Received, Receiver};
use crate::support::{
    Options, PASSWORD, TestApp, create_integration, join_all, people, revealed_token, signed_in_app,
};

const HOOKS: &str = "/settings/webhooks";
const INTEGRATIONS: &str = "/settings/private-integrations";

/// Adds an endpoint through the form; returns its page's URL and the secret shown once.
async fn add_endpoint(app: &TestApp, base: &str, url: &str, events: &[&str]) -> (String, String) {
    let form = app.get(&format!("{base}/new")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let mut fields = vec![("url", url)];
    fields.extend(events.iter().map(|event| ("events", *event)));
    let created = app.post_form(&format!("{base}/new"), &fields).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let shown = app.get(created.location()).await;
    let secret = revealed_token(&shown).expect("the secret is shown once");
    assert!(secret.starts_with("whsec_"), "{secret}");
    (created.location().trim_end_matches("/secret").to_owned(), secret)
}

/// Every event an endpoint may subscribe to.
fn every_event() -> Vec<&'static str> {
    private_integrations::domain::events::EventKind::SUBSCRIBABLE.iter().map(|kind| kind.as_str()).collect()
}

/// The signatures of the `webhook-signature` header that `secret` verifies, computed
/// here from the specification, not with the app's code.
fn verifies(secret: &str, received: &Received) -> bool {
    let key = BASE64.decode(secret.trim_start_matches("whsec_")).expect("base64 secret");
    let signed = format!(
        "{}.{}.{}",
        received.header("webhook-id"),
        received.header("webhook-timestamp"),
        received.body
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("key");
    mac.update(signed.as_bytes());
    let expected = format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()));
    received.header("webhook-signature").split(' ').any(|signature| signature == expected)
}

async fn deliver(app: &TestApp) -> usize {
    private_integrations::app::webhooks::deliver_due(app.state()).await.expect("deliveries run")
}

fn types(received: &[Received]) -> Vec<String> {
    received.iter().map(|request| request.json()["type"].as_str().expect("type").to_owned()).collect()
}

#[tokio::test]
async fn an_endpoint_receives_signed_events_it_subscribes_to_and_nothing_else() {
    let (app, _) = signed_in_app(Vec::new()).await;
    let receiver = Receiver::start().await;
    let hook = format!("{}/hooks/pi", receiver.url);
    let (endpoint, secret) =
        add_endpoint(&app, HOOKS, &hook, &["integration.created", "integration.deleted"]).await;

    // The secret is shown once.
    let again = app.get(&format!("{endpoint}/secret")).await;
    assert_eq!(revealed_token(&again), None);
    assert!(again.body.contains("no longer available"), "{}", again.body);

    let (integration, _) = create_integration(&app, INTEGRATIONS, "Zapier sync", &["users.readonly"]).await;
    app.post_form(&format!("{integration}/edit"), &[("name", "Zapier sync 2"), ("description", "")]).await;
    app.post_form(&format!("{integration}/edit/scopes"), &[("scopes", "users.readonly"), ("step", "save")])
        .await;
    assert_eq!(receiver.received().len(), 0, "nothing leaves from inside the change");
    assert_eq!(deliver(&app).await, 1, "integration.updated is not subscribed");

    let received = receiver.received();
    assert_eq!(types(&received), ["integration.created"]);
    let request = &received[0];
    assert_eq!(request.path, "/hooks/pi");
    assert!(request.header("webhook-id").starts_with("msg_"), "{request:?}");
    assert_eq!(request.header("webhook-timestamp"), app.clock.now().timestamp().to_string());
    assert_eq!(request.header("content-type"), "application/json");
    assert!(verifies(&secret, request), "the signature verifies with the secret shown: {request:?}");
    let body = request.json();
    assert_eq!(body["data"]["integration"]["name"], "Zapier sync");
    assert_eq!(body["data"]["integration"]["scopes"], serde_json::json!(["users.readonly"]));
    assert!(body["timestamp"].as_str().expect("timestamp").starts_with("2026-03-01T09:00:00"), "{body}");
    assert!(!request.body.contains("pit-"), "no token in a webhook: {}", request.body);

    let deleted = app.post_form(&format!("{integration}/delete"), &[]).await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    assert_eq!(deliver(&app).await, 1);
    assert_eq!(types(&receiver.received()), ["integration.created", "integration.deleted"]);
    assert_eq!(deliver(&app).await, 0, "each delivery goes once");

    let log = app.get(&endpoint).await;
    assert_eq!(log.texts("tbody tr td[data-label=Event]"), ["integration.deleted", "integration.created"]);
    assert!(log.text("tbody").contains("HTTP 200"), "{}", log.body);
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_the_same_id_and_logged() {
    let (app, _) = signed_in_app(Vec::new()).await;
    let receiver = Receiver::start().await;
    let (endpoint, secret) = add_endpoint(&app, HOOKS, &format!("{}/h", receiver.url), &every_event()).await;
    receiver.answer_next(500, &[], "try later");
    receiver.answer_next(503, &[], "still not");
    create_integration(&app, INTEGRATIONS, "Retry me", &["users.readonly"]).await;

    assert_eq!(deliver(&app).await, 1);
    app.clock.advance(Duration::seconds(4));
    assert_eq!(deliver(&app).await, 0, "the first retry waits 5 seconds");
    app.clock.advance(Duration::seconds(1));
    assert_eq!(deliver(&app).await, 1);
    app.clock.advance(Duration::minutes(4));
    assert_eq!(deliver(&app).await, 0, "the second retry waits 5 minutes");
    app.clock.advance(Duration::minutes(1));
    assert_eq!(deliver(&app).await, 1);

    let received = receiver.received();
    assert_eq!(received.len(), 3);
    let ids: Vec<&str> = received.iter().map(|request| request.header("webhook-id")).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "the same id on every attempt: {ids:?}");
    let stamps: Vec<&str> = received.iter().map(|request| request.header("webhook-timestamp")).collect();
    assert_ne!(stamps[0], stamps[2], "each attempt is signed at its own time");
    assert!(received.iter().all(|request| verifies(&secret, request)));
    assert!(received.iter().all(|request| request.body == received[0].body), "the same body every time");

    app.sign_in(people::OWNER, PASSWORD).await;
    let log = app.get(&endpoint).await;
    assert_eq!(log.texts("tbody td[data-label=Attempt]"), ["3", "2", "1"]);
    let results = log.texts("tbody td[data-label=Result]");
    assert!(results[0].starts_with("HTTP 200"), "{results:?}");
    assert!(results[1].starts_with("HTTP 503") && results[1].contains("still not"), "{results:?}");
    assert!(results[2].starts_with("HTTP 500") && results[2].contains("try later"), "{results:?}");
}

#[tokio::test]
async fn two_instances_deliver_each_event_once() {
    let (first, _) = signed_in_app(Vec::new()).await;
    let second =
        TestApp::spawn_with(Options { env: Vec::new(), database: None, database_url: Some(first.db.url()) })
            .await;
    let receiver = Receiver::start().await;
    add_endpoint(&first, HOOKS, &format!("{}/h", receiver.url), &every_event()).await;
    for name in
        ["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve"]
    {
        create_integration(&first, INTEGRATIONS, name, &["users.readonly"]).await;
    }
    receiver.slow(std::time::Duration::from_millis(50));

    for _ in 0..2 {
        let counts =
            join_all(vec![deliver(&first), deliver(&second), deliver(&first), deliver(&second)]).await;
        let _ = counts;
    }

    let received = receiver.received();
    let mut ids: Vec<&str> = received.iter().map(|request| request.header("webhook-id")).collect();
    assert_eq!(ids.len(), 12, "{ids:?}");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 12, "no event was delivered twice");
}

#[tokio::test]
async fn an_endpoint_failing_for_a_day_is_disabled_and_its_people_told() {
    let (app, world) = signed_in_app(Vec::new()).await;
    let receiver = Receiver::start().await;
    receiver.always(500);
    let (endpoint, _) = add_endpoint(&app, HOOKS, &format!("{}/down", receiver.url), &every_event()).await;
    create_integration(&app, INTEGRATIONS, "Doomed", &["users.readonly"]).await;

    let mut attempts = 0;
    for _ in 0..40 {
        attempts += deliver(&app).await;
        app.clock.advance(Duration::hours(1));
    }
    assert_eq!(attempts, 8, "eight attempts over more than a day, then it gives up");
    let kinds = private_integrations::db::events::kinds_of(&mut app.conn(), world.agency).expect("events");
    assert!(kinds.contains(&private_integrations::domain::events::EventKind::EndpointDisabled), "{kinds:?}");

    app.sign_in(people::OWNER, PASSWORD).await;
    let page = app.get(&endpoint).await;
    assert!(page.text("h1 + .lede").contains("Disabled: failing"), "{}", page.text("h1 + .lede"));
    let told = app.get("/notifications").await;
    let headlines = told.texts(".notification-text");
    assert!(
        headlines.iter().any(|text| text.contains("was disabled after failing for 24 hours")),
        "{headlines:?}"
    );

    // An account admin of a sub-account does not manage the agency's endpoints.
    let admin = app.new_browser();
    admin.sign_in(people::ADMIN_A, PASSWORD).await;
    let theirs = admin.get("/notifications").await;
    assert!(!theirs.body.contains("was disabled"), "{}", theirs.body);

    // Enabled again, it gets new events.
    receiver.always(200);
    app.post_form(&format!("{endpoint}/enable"), &[]).await;
    create_integration(&app, INTEGRATIONS, "Back", &["users.readonly"]).await;
    assert_eq!(deliver(&app).await, 1);
    assert_eq!(receiver.received().last().expect("a delivery").json()["type"], "integration.created");
}

#[tokio::test]
async fn a_rotated_secret_signs_alongside_the_new_one_for_a_day() {
    let (app, _) = signed_in_app(Vec::new()).await;
    let receiver = Receiver::start().await;
    let (endpoint, old) = add_endpoint(&app, HOOKS, &format!("{}/h", receiver.url), &every_event()).await;
    let rotated = app.post_form(&format!("{endpoint}/rotate-secret"), &[]).await;
    assert_eq!(rotated.status, 303, "{}", rotated.body);
    let new = revealed_token(&app.get(rotated.location()).await).expect("the new secret is shown once");
    assert_ne!(new, old);

    create_integration(&app, INTEGRATIONS, "During", &["users.readonly"]).await;
    deliver(&app).await;
    let during = receiver.received().pop().expect("a delivery");
    assert!(verifies(&new, &during) && verifies(&old, &during), "{during:?}");

    app.clock.advance(Duration::hours(24) + Duration::seconds(1));
    app.sign_in(people::OWNER, PASSWORD).await;
    create_integration(&app, INTEGRATIONS, "After", &["users.readonly"]).await;
    deliver(&app).await;
    let after = receiver.received().pop().expect("a delivery");
    assert!(verifies(&new, &after), "{after:?}");
    assert!(!verifies(&old, &after), "the old secret stops signing after 24 hours");
}

#[tokio::test]
async fn a_second_rotation_waits_until_the_first_overlap_ends() {
    let (app, _) = signed_in_app(Vec::new()).await;
    let receiver = Receiver::start().await;
    let (endpoint, _) = add_endpoint(&app, HOOKS, &format!("{}/h", receiver.url), &every_event()).await;
    let first = app.post_form(&format!("{endpoint}/rotate-secret"), &[]).await;
    let secret = revealed_token(&app.get(first.location()).await).expect("the new secret");
    let again = app.follow(app.post_form(&format!("{endpoint}/rotate-secret"), &[]).await).await;
    assert!(
        again.text(".flash").contains("The previous secret still signs until"),
        "{}",
        again.text(".flash")
    );
    app.post_form(&format!("{endpoint}/test"), &[]).await;
    assert!(verifies(&secret, &receiver.received()[0]), "the refused rotation changed nothing");
}

#[tokio::test]
async fn a_response_with_a_nul_byte_is_logged_and_not_sent_again() {
    let (app, _) = signed_in_app(Vec::new()).await;
    let receiver = Receiver::start().await;
    let (endpoint, _) = add_endpoint(&app, HOOKS, &format!("{}/h", receiver.url), &every_event()).await;
    receiver.answer_next(200, &[], "ok\0done");
    create_integration(&app, INTEGRATIONS, "Nul", &["users.readonly"]).await;
    assert_eq!(deliver(&app).await, 1);
    app.clock.advance(Duration::minutes(5));
    assert_eq!(deliver(&app).await, 0, "recorded as delivered, never leased again");
    app.sign_in(people::OWNER, PASSWORD).await;
    assert!(app.get(&endpoint).await.text("tbody pre").contains("okdone"));
}

#[tokio::test]
async fn send_test_event_disable_and_delete() {
    let (app, _) = signed_in_app(Vec::new()).await;
    let receiver = Receiver::start().await;
    let (endpoint, secret) =
        add_endpoint(&app, HOOKS, &format!("{}/h", receiver.url), &["token.expiring"]).await;

    let sent = app.follow(app.post_form(&format!("{endpoint}/test"), &[]).await).await;
    assert!(sent.text(".flash").contains("Test event delivered: HTTP 200."), "{}", sent.text(".flash"));
    let test = receiver.received().pop().expect("the test event");
    assert_eq!(test.json()["type"], "webhook.test");
    assert!(verifies(&secret, &test));

    receiver.answer_next(404, &[], "nope");
    let failed = app.follow(app.post_form(&format!("{endpoint}/test"), &[]).await).await;
    assert!(failed.text(".flash").contains("the endpoint answered HTTP 404"), "{}", failed.text(".flash"));

    let disabled = app.follow(app.post_form(&format!("{endpoint}/disable"), &[]).await).await;
    assert!(disabled.text(".flash").contains("is disabled"), "{}", disabled.text(".flash"));
    let refused = app.follow(app.post_form(&format!("{endpoint}/test"), &[]).await).await;
    assert!(refused.text(".flash").contains("Enable the endpoint"), "{}", refused.text(".flash"));

    let confirm = app.get(&format!("{endpoint}/delete")).await;
    assert!(confirm.body.contains(&receiver.url), "{}", confirm.body);
    let deleted = app.follow(app.post_form(&format!("{endpoint}/delete"), &[]).await).await;
    assert!(deleted.text(".flash").contains("deleted"), "{}", deleted.text(".flash"));
    assert_eq!(app.get(&endpoint).await.status, 404);
    let list = app.get(HOOKS).await;
    assert!(list.body.contains("No webhook endpoints yet"), "{}", list.body);
}

#[tokio::test]
async fn redirects_are_not_followed_and_responses_are_kept_to_1_kb() {
    let (app, _) = signed_in_app(Vec::new()).await;
    let receiver = Receiver::start().await;
    let (endpoint, _) = add_endpoint(&app, HOOKS, &format!("{}/h", receiver.url), &every_event()).await;
    let elsewhere = format!("{}/elsewhere", receiver.url);
    receiver.answer_next(302, &[("location", &elsewhere)], "");
    app.post_form(&format!("{endpoint}/test"), &[]).await;
    assert_eq!(receiver.received().iter().map(|request| request.path.clone()).collect::<Vec<_>>(), ["/h"]);

    receiver.answer_next(200, &[], &"é".repeat(3000));
    app.post_form(&format!("{endpoint}/test"), &[]).await;
    let log = app.get(&endpoint).await;
    let results = log.texts("tbody td[data-label=Result]");
    assert!(results[1].starts_with("HTTP 302"), "{results:?}");
    let kept = log.text("tbody tr:first-child pre");
    assert_eq!(kept.len(), 1024, "1 KB of the body, whole characters");
}

#[tokio::test]
async fn private_addresses_are_refused_unless_the_operator_allows_them() {
    let (strict, _) = signed_in_app(vec![("WEBHOOK_ALLOW_PRIVATE", "false".to_owned())]).await;
    strict.get(&format!("{HOOKS}/new")).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://10.0.0.7/hook",
        "http://[::ffff:192.168.0.1]/hook",
    ] {
        let refused =
            strict.post_form(&format!("{HOOKS}/new"), &[("url", url), ("events", "token.expiring")]).await;
        assert_eq!(refused.status, 422, "{url}: {}", refused.body);
        assert!(
            refused.text("#url-error").contains("private address"),
            "{url}: {}",
            refused.text("#url-error")
        );
    }
    let malformed = strict
        .post_form(&format!("{HOOKS}/new"), &[("url", "ftp://example.com"), ("events", "token.expiring")])
        .await;
    assert!(malformed.text("#url-error").contains("https://"), "{}", malformed.body);
    let none = strict.post_form(&format!("{HOOKS}/new"), &[("url", "https://example.com/h")]).await;
    assert!(none.body.contains("Choose at least one event."), "{}", none.body);
    assert!(strict.get(HOOKS).await.body.contains("No webhook endpoints yet"));

    // An endpoint that was allowed when added (or whose name now resolves privately) is
    // refused as the delivery connects.
    let lenient =
        TestApp::spawn_with(Options { env: Vec::new(), database: None, database_url: Some(strict.db.url()) })
            .await;
    lenient.sign_in(people::OWNER, PASSWORD).await;
    let receiver = Receiver::start().await;
    let port = receiver.url.rsplit(':').next().expect("port").to_owned();
    let (endpoint, _) =
        add_endpoint(&lenient, HOOKS, &format!("http://localhost:{port}/h"), &every_event()).await;
    create_integration(&lenient, INTEGRATIONS, "Probe", &["users.readonly"]).await;
    assert_eq!(deliver(&strict).await, 1);
    assert!(receiver.received().is_empty(), "nothing reached the private address");
    let log = strict.get(&endpoint).await;
    assert!(log.text("tbody").contains("private address"), "{}", log.text("tbody"));
}

#[tokio::test]
async fn endpoints_are_walled_by_tenant_and_permission() {
    let (app, world) = signed_in_app(Vec::new()).await;
    let receiver = Receiver::start().await;
    let (agency_endpoint, _) =
        add_endpoint(&app, HOOKS, &format!("{}/a", receiver.url), &every_event()).await;
    let sub_hooks = format!("/locations/{}/settings/webhooks", world.sub_a);
    let (sub_endpoint, _) =
        add_endpoint(&app, &sub_hooks, &format!("{}/s", receiver.url), &every_event()).await;

    // Events of a level go to that level's endpoints only.
    let sub_integrations = format!("/locations/{}/settings/private-integrations", world.sub_a);
    create_integration(&app, &sub_integrations, "Front desk", &["contacts.readonly"]).await;
    deliver(&app).await;
    assert_eq!(receiver.received().iter().map(|request| request.path.clone()).collect::<Vec<_>>(), ["/s"]);

    let admin = app.new_browser();
    admin.sign_in(people::ADMIN_A, PASSWORD).await;
    assert_eq!(admin.get(&sub_endpoint).await.status, 200, "the sub-account's admin manages its endpoints");
    assert_eq!(admin.get(&agency_endpoint).await.status, 404);
    let other = app.new_browser();
    other.sign_in(people::OTHER_OWNER, PASSWORD).await;
    assert_eq!(other.get(&agency_endpoint).await.status, 404);
    let stolen = agency_endpoint.rsplit('/').next().expect("id");
    assert_eq!(other.get(&format!("{HOOKS}/{stolen}")).await.status, 404, "another agency's id is not found");
    assert_eq!(other.post_form(&format!("{HOOKS}/{stolen}/delete"), &[]).await.status, 404);
    assert_eq!(other.get(&format!("{HOOKS}/{stolen}/secret")).await.status, 404);
    let user = app.new_browser();
    user.sign_in(people::USER_A, PASSWORD).await;
    assert_eq!(user.get(&sub_endpoint).await.status, 403);
    assert_eq!(app.get(&agency_endpoint).await.status, 200, "nothing was deleted");
}

#[tokio::test]
async fn labs_hides_the_webhooks_pages_with_private_integrations() {
    let (app, _) = signed_in_app(Vec::new()).await;
    app.get("/settings/labs").await;
    assert_eq!(app.post_form("/settings/labs", &[]).await.status, 303);
    let off = app.get(HOOKS).await;
    assert!(off.body.contains("Private Integrations is turned off"), "{}", off.body);
    assert!(!off.texts(".sidenav a").contains(&"Webhooks".to_owned()));
}
