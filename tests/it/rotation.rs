//! Token rotation: later with an overlap and a countdown, cancel, expire now, rotate now,
//! refused transitions, concurrency, and the 90-day recommendation. Time is moved on the
//! app's clock, never slept.

use chrono::Duration;
use diesel::prelude::*;
use private_integrations::clock::Clock as _;
use private_integrations::db::schema::integration_tokens;
use private_integrations::domain::token::TokenSecret;

use crate::support::{Options, PASSWORD, Page, TestApp, create_integration, people, revealed_token, seed};

const AGENCY: &str = "/settings/private-integrations";

/// Whether a token authenticates right now, as the API will ask.
fn usable(app: &TestApp, token: &str) -> bool {
    let digest = app.state_digest(&TokenSecret::parse(token).expect("token"));
    private_integrations::db::integrations::find_by_digest(&mut app.conn(), &digest)
        .expect("query")
        .is_some_and(|(integration, token)| {
            private_integrations::domain::integration::authenticates(&integration, &token, app.clock.now())
        })
}

fn token_on(page: &Page) -> String {
    revealed_token(page).unwrap_or_else(|| panic!("no token revealed:\n{}", page.body))
}

async fn create(app: &TestApp) -> (String, String) {
    create_integration(app, AGENCY, "CRM", &["users.readonly"]).await
}

/// Confirms an action through its warning page; the page it lands on.
async fn confirm(app: &TestApp, detail: &str, action: &str) -> Page {
    let warning = app.get(&format!("{detail}/{action}")).await;
    if warning.status == 303 {
        return app.follow(warning).await;
    }
    assert_eq!(warning.status, 200, "{}", warning.body);
    let done = app.post_form(&format!("{detail}/{action}"), &[]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    app.follow(done).await
}

async fn signed_in() -> TestApp {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    app
}

#[tokio::test]
async fn rotate_later_keeps_the_old_token_working_until_the_overlap_ends_to_the_second() {
    let app = signed_in().await;
    let (detail, old) = create(&app).await;
    let warning = app.get(&format!("{detail}/rotate-later")).await;
    assert_eq!(warning.text("h1"), "Rotate and expire this token later?");
    assert!(warning.text(".notice").contains("keeps working for 7 days"), "{}", warning.text(".notice"));

    let reveal = confirm(&app, &detail, "rotate-later").await;
    let new = token_on(&reveal);
    assert_ne!(new, old);
    assert!(
        reveal
            .texts(".flash")
            .iter()
            .any(|t| t == "New token issued for “CRM”. The old token expires in 7 days.")
    );

    let page = app.get(&detail).await;
    assert_eq!(page.text(".page-header .badge"), "Rotating");
    assert!(page.text(".rotation-banner").starts_with("Old token expires in 7 days"));
    let list = app.get(AGENCY).await;
    let row = list.text("tbody tr");
    assert!(
        row.contains("Old token expires in 7 days") && row.contains("Cancel rotation · Expire Now"),
        "{row}"
    );

    assert!(usable(&app, &old) && usable(&app, &new));
    app.clock.advance(Duration::days(7) - Duration::seconds(1));
    assert!(usable(&app, &old), "valid at 7 days minus one second");
    app.clock.advance(Duration::seconds(1));
    assert!(!usable(&app, &old), "invalid at 7 days");
    assert!(usable(&app, &new));
    app.sign_in(people::OWNER, PASSWORD).await; // a week later, the session has ended
    let after = app.get(&detail).await;
    assert_eq!(after.text(".page-header .badge"), "Active", "the rotation is over");
    assert!(after.texts(".rotation-banner").is_empty());
}

#[tokio::test]
async fn the_countdown_reads_days_and_hours_then_hours_and_minutes_then_under_a_minute() {
    let app = signed_in().await;
    let (detail, _) = create(&app).await;
    confirm(&app, &detail, "rotate-later").await;
    let countdown = |page: &Page| page.text("time[data-countdown]");
    app.clock.advance(Duration::seconds(1));
    assert_eq!(countdown(&app.get(&detail).await), "6 days 23 hours");
    app.clock.advance(Duration::days(7) - Duration::seconds(1) - Duration::hours(5) - Duration::minutes(12));
    app.sign_in(people::OWNER, PASSWORD).await; // days later, the session has ended
    assert_eq!(countdown(&app.get(&detail).await), "5 hours 12 minutes");
    app.clock.advance(Duration::hours(5) + Duration::minutes(11) + Duration::seconds(30));
    app.sign_in(people::OWNER, PASSWORD).await;
    assert_eq!(countdown(&app.get(AGENCY).await), "less than a minute");
    let time = app.get(&detail).await;
    let datetime = time
        .html()
        .select(&scraper::Selector::parse("time[data-countdown]").expect("s"))
        .next()
        .and_then(|t| t.value().attr("datetime").map(str::to_owned))
        .expect("datetime");
    assert_eq!(datetime, "2026-03-08T09:00:00Z", "the exact instant, for the script and for people");
}

#[tokio::test]
async fn rotate_later_is_refused_while_a_rotation_runs() {
    let app = signed_in().await;
    let (detail, _) = create(&app).await;
    confirm(&app, &detail, "rotate-later").await;
    let refused = app.post_form(&format!("{detail}/rotate-later"), &[]).await;
    assert_eq!(refused.location(), detail);
    let page = app.get(&detail).await;
    assert_eq!(
        page.text(".flash-error"),
        "A rotation is already running. Cancel it or expire the old token first."
    );
    assert_eq!(integration_tokens::table.count().get_result::<i64>(&mut app.conn()).expect("count"), 2);
    assert!(page.texts("a").iter().all(|text| text != "Rotate and expire this token later"), "not offered");
}

#[tokio::test]
async fn cancel_rotation_revokes_the_new_token_and_keeps_the_old() {
    let app = signed_in().await;
    let (detail, old) = create(&app).await;
    let new = token_on(&confirm(&app, &detail, "rotate-later").await);
    let warning = app.get(&format!("{detail}/cancel-rotation")).await;
    let expected = format!(
        "The new token (pit-…{}) stops working at once, and the old token (pit-…{}) becomes current again, with no expiry.",
        &new[new.len() - 4..],
        &old[old.len() - 4..]
    );
    assert_eq!(warning.text(".notice p"), expected);
    let page = confirm(&app, &detail, "cancel-rotation").await;
    assert!(page.texts(".flash").iter().any(|t| t.starts_with("Rotation cancelled.")));
    assert!(!usable(&app, &new));
    app.clock.advance(Duration::days(30));
    assert!(usable(&app, &old), "current again, with no expiry");
}

#[tokio::test]
async fn expire_now_stops_the_old_token_at_once() {
    let app = signed_in().await;
    let (detail, old) = create(&app).await;
    let new = token_on(&confirm(&app, &detail, "rotate-later").await);
    let page = confirm(&app, &detail, "expire-now").await;
    assert!(
        page.texts(".flash").iter().any(|t| t == "The old token has expired. Only the new token works now.")
    );
    assert!(!usable(&app, &old));
    assert!(usable(&app, &new));
}

#[tokio::test]
async fn rotate_now_stops_every_token_and_reveals_a_new_one_even_during_a_rotation() {
    let app = signed_in().await;
    let (detail, first) = create(&app).await;
    let second = token_on(&confirm(&app, &detail, "rotate-later").await);
    let warning = app.get(&format!("{detail}/rotate-now")).await;
    assert_eq!(warning.text("h1"), "Rotate and expire this token now?");
    let third = token_on(&confirm(&app, &detail, "rotate-now").await);
    assert!(!usable(&app, &first) && !usable(&app, &second));
    assert!(usable(&app, &third));
    let fourth = token_on(&confirm(&app, &detail, "rotate-now").await);
    assert!(!usable(&app, &third) && usable(&app, &fourth), "always allowed");
}

#[tokio::test]
async fn cancel_and_expire_now_without_a_rotation_are_refused() {
    let app = signed_in().await;
    let (detail, token) = create(&app).await;
    for action in ["cancel-rotation", "expire-now"] {
        let page = confirm(&app, &detail, action).await;
        assert_eq!(page.text(".flash-error"), "No rotation is running.", "{action}");
        let post = app.post_form(&format!("{detail}/{action}"), &[]).await;
        assert_eq!(post.location(), detail);
        app.get(&detail).await;
    }
    assert!(usable(&app, &token));
    assert_eq!(integration_tokens::table.count().get_result::<i64>(&mut app.conn()).expect("count"), 1);
}

#[tokio::test]
async fn many_simultaneous_lifecycle_requests_leave_one_coherent_state() {
    let app = signed_in().await;
    let (detail, _) = create(&app).await;
    let actions =
        ["rotate-later", "cancel-rotation", "expire-now", "rotate-now", "rotate-later", "rotate-later"];
    let requests = (0..36).map(|index| {
        let path = format!("{detail}/{}", actions[index % actions.len()]);
        app.post_form_owned(path)
    });
    let statuses: Vec<u16> = join_all(requests.collect()).await;
    assert!(statuses.iter().all(|status| *status == 303), "{statuses:?}");

    let tokens: Vec<(String, Option<chrono::DateTime<chrono::Utc>>)> = integration_tokens::table
        .select((integration_tokens::state, integration_tokens::expires_at))
        .load(&mut app.conn())
        .expect("tokens");
    let current = tokens.iter().filter(|(state, _)| state == "current").count();
    let expiring = tokens.iter().filter(|(state, _)| state == "expiring").count();
    assert_eq!(current, 1, "never two current tokens, never none: {tokens:?}");
    assert!(expiring <= 1, "{tokens:?}");
    assert!(tokens.iter().all(|(state, expires)| (state == "expiring") == expires.is_some()), "{tokens:?}");
}

/// Polls every future concurrently on the current task.
async fn join_all<F: std::future::Future<Output = u16>>(futures: Vec<F>) -> Vec<u16> {
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut results: Vec<Option<u16>> = vec![None; futures.len()];
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (index, future) in futures.iter_mut().enumerate() {
            if results[index].is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => results[index] = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    results.into_iter().flatten().collect()
}

#[tokio::test]
async fn rotation_is_recommended_after_ninety_days() {
    let app = signed_in().await;
    let (detail, _) = create(&app).await;
    // Sessions end after 12 hours, so sign in again after each jump.
    app.clock.advance(Duration::days(90));
    app.sign_in(people::OWNER, PASSWORD).await;
    assert_eq!(app.get(AGENCY).await.text("tbody .badge"), "Active");
    app.clock.advance(Duration::days(1));
    app.sign_in(people::OWNER, PASSWORD).await;
    assert_eq!(app.get(AGENCY).await.text("tbody .badge"), "Rotation recommended");
    confirm(&app, &detail, "rotate-now").await;
    assert_eq!(app.get(AGENCY).await.text("tbody .badge"), "Active");
}

#[tokio::test]
async fn the_overlap_is_configurable_per_deployment() {
    let app = TestApp::spawn_with(Options {
        env: vec![("ROTATION_OVERLAP_HOURS", "24".to_owned())],
        database: None,
        database_url: None,
    })
    .await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (detail, old) = create(&app).await;
    confirm(&app, &detail, "rotate-later").await;
    assert!(app.get(&detail).await.text(".rotation-banner").starts_with("Old token expires in 1 day"));
    app.clock.advance(Duration::hours(24));
    assert!(!usable(&app, &old));
}

#[tokio::test]
async fn every_lifecycle_action_is_audited() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (detail, _) = create(&app).await;
    for action in ["rotate-later", "expire-now", "rotate-later", "cancel-rotation", "rotate-now"] {
        confirm(&app, &detail, action).await;
    }
    let actions = crate::support::actions(&app, world.agency);
    for expected in [
        "integration.rotate_later",
        "integration.expire_now",
        "integration.cancel_rotation",
        "integration.rotate_now",
    ] {
        assert!(actions.contains(&expected.to_owned()), "{expected} missing from {actions:?}");
    }
}

/// Calls the API with `token` (from 127.0.0.1) and writes the uses still in memory.
async fn call_api_with(app: &TestApp, token: &str) {
    assert_eq!(crate::api::get_with_headers(app, "/v2/oauth/token-info", token).await.0, 200);
    app.state().usage.flush(app.state()).await.expect("flush");
}

#[tokio::test]
async fn the_rotation_panel_tells_whether_anything_still_calls_with_the_old_token() {
    let app = signed_in().await;
    let (detail, old) = create(&app).await;
    // A use before the rotation started does not count.
    call_api_with(&app, &old).await;
    app.clock.advance(Duration::minutes(1));
    let new = token_on(&confirm(&app, &detail, "rotate-later").await);
    let old_use = |page: &Page| page.text(".old-token-use");
    assert_eq!(old_use(&app.get(&detail).await), "Old token not used since the rotation started");

    // The new token's use is not the old one's.
    call_api_with(&app, &new).await;
    assert_eq!(old_use(&app.get(&detail).await), "Old token not used since the rotation started");

    app.clock.advance(Duration::minutes(2));
    call_api_with(&app, &old).await;
    assert_eq!(old_use(&app.get(&detail).await), "Old token last used just now from 127.0.0.1");
    app.clock.advance(Duration::minutes(3));
    assert_eq!(old_use(&app.get(&detail).await), "Old token last used 3 minutes ago from 127.0.0.1");
    // The Expire Now confirmation asks the same question.
    let warning = app.get(&format!("{detail}/expire-now")).await;
    assert_eq!(old_use(&warning), "Old token last used 3 minutes ago from 127.0.0.1.");

    // Once the rotation ends, there is no old token to ask about.
    confirm(&app, &detail, "expire-now").await;
    assert!(app.get(&detail).await.texts(".old-token-use").is_empty());
}
