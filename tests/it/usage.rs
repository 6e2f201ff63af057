//! Usage insight: real API calls counted by outcome, endpoint, token and address, shown on
//! the integration's page and the list after a flush; several instances adding up;
//! retention; unused scopes; the tenant wall. Time is moved on the app's clock.

use chrono::Duration;
use diesel::prelude::*;
use private_integrations::db::schema::usage_hourly;
use private_integrations::db::usage;

use crate::support::{Options, PASSWORD, Page, TestApp, World, create_integration, join_all, people, seed};

const AGENCY: &str = "/settings/private-integrations";

/// An app behind a trusted proxy (so tests choose the client's address), with a burst
/// limit of 5 calls per 10 s.
async fn app_with(extra: Vec<(&'static str, String)>) -> (TestApp, World) {
    let mut env = vec![
        ("TRUSTED_PROXIES", "127.0.0.1/32".to_owned()),
        ("RATE_LIMIT_BURST", "5".to_owned()),
        ("RATE_LIMIT_INTERVAL_SECONDS", "10".to_owned()),
    ];
    env.extend(extra);
    let app = TestApp::spawn_with(Options { env, database: None, database_url: None }).await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    (app, world)
}

/// `method path` with `token` from `ip`: the status.
async fn call(app: &TestApp, method: reqwest::Method, path: &str, token: &str, ip: &str) -> u16 {
    reqwest::Client::new()
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(token)
        .header("X-Forwarded-For", ip)
        .header("Version", "2021-07-28")
        .send()
        .await
        .expect("call")
        .status()
        .as_u16()
}

async fn get(app: &TestApp, path: &str, token: &str, ip: &str) -> u16 {
    call(app, reqwest::Method::GET, path, token, ip).await
}

/// Moves the clock on by `by`, and signs in again (the session has expired meanwhile).
async fn later(app: &TestApp, by: Duration) {
    app.clock.advance(by);
    app.sign_in(people::OWNER, PASSWORD).await;
}

async fn flush(app: &TestApp) {
    app.state().usage.flush(app.state()).await.expect("flush");
}

/// The Usage section's totals: (24 hours, 7 days, 30 days).
fn totals(page: &Page) -> Vec<String> {
    page.texts(".usage-totals dd")
}

/// A usage table's rows, each as its text.
fn rows(page: &Page, table: &str) -> Vec<String> {
    page.texts(&format!("#{table} tbody tr"))
}

#[tokio::test]
async fn calls_are_counted_by_outcome_endpoint_token_and_address() {
    let (app, _) = app_with(Vec::new()).await;
    let (detail, token) =
        create_integration(&app, AGENCY, "CRM", &["users.readonly", "locations.readonly"]).await;
    let before = app.get(&detail).await;
    assert_eq!(totals(&before), ["0", "0", "0"]);
    assert_eq!(before.text(".usage-empty"), "No requests in the last 30 days.");

    // Successes from two addresses, a 403 (a scope the token lacks), a malformed id.
    assert_eq!(get(&app, "/v2/oauth/token-info", &token, "203.0.113.7").await, 200);
    assert_eq!(get(&app, "/v2/oauth/token-info", &token, "203.0.113.7").await, 200);
    let failed = get(&app, "/v2/locations/nope", &token, "198.51.100.4").await;
    assert!(failed >= 400 && ![401, 403, 429].contains(&failed), "{failed}");
    assert_eq!(
        get(&app, "/v2/companies/00000000-0000-0000-0000-000000000000", &token, "198.51.100.4").await,
        403
    );
    // Over the burst limit of 5 in 10 s: the sixth call is refused.
    assert_eq!(get(&app, "/v2/locations/search", &token, "198.51.100.4").await, 200);
    assert_eq!(get(&app, "/v2/locations/search", &token, "198.51.100.4").await, 429);
    // A call without a recognised token is nobody's usage.
    assert_eq!(get(&app, "/v2/oauth/token-info", "pit-nonsense", "192.0.2.1").await, 401);

    // Nothing is written per call: the page shows nothing until the batch is flushed.
    assert_eq!(totals(&app.get(&detail).await), ["0", "0", "0"]);
    flush(&app).await;
    let page = app.get(&detail).await;
    assert_eq!(totals(&page), ["6", "6", "6"]);
    let today = rows(&page, "usage-days").into_iter().next().expect("today's row");
    assert_eq!(today, "Mar 1 3 1 1 1 6", "success, denied, rate limited, other errors, total");
    assert_eq!(
        rows(&page, "usage-endpoints"),
        [
            "GET /v2/locations/search 2",
            "GET /v2/oauth/token-info 2",
            "GET /v2/companies/{companyId} 1",
            "GET /v2/locations/{locationId} 1",
        ]
    );
    let addresses = rows(&page, "usage-addresses");
    assert_eq!(addresses.len(), 2, "{addresses:?}");
    assert!(
        addresses.iter().any(|row| row.starts_with("198.51.100.4") && row.ends_with(" 4")),
        "{addresses:?}"
    );
    assert!(
        addresses.iter().any(|row| row.starts_with("203.0.113.7") && row.ends_with(" 2")),
        "{addresses:?}"
    );
    assert_eq!(rows(&page, "usage-tokens").len(), 1);
    assert!(rows(&page, "usage-tokens")[0].ends_with("Current 6"), "{:?}", rows(&page, "usage-tokens"));
    assert!(
        page.text(".usage-share").contains(
            "6 of the 200,000 requests a day shared by every integration of this agency (under 0.1%)."
        ),
        "{}",
        page.text(".usage-share")
    );
    // The chart is drawn, one bar segment per outcome of today.
    assert!(page.body.contains("class=\"bar-success\""));
    assert!(page.body.contains("class=\"bar-rate-limited\""));
    // The list page shows the week's count.
    let list = app.get(AGENCY).await;
    assert_eq!(list.text("td[data-label=\"Requests (7 days)\"]"), "6");

    // Two days later: the 24-hour window is empty; a new call counts on its own day.
    later(&app, Duration::days(2)).await;
    assert_eq!(get(&app, "/v2/oauth/token-info", &token, "203.0.113.7").await, 200);
    flush(&app).await;
    let page = app.get(&detail).await;
    assert_eq!(totals(&page), ["1", "7", "7"]);
    assert_eq!(rows(&page, "usage-days")[0], "Mar 3 1 0 0 0 1");
    assert_eq!(rows(&page, "usage-days")[2], "Mar 1 3 1 1 1 6");
    assert_eq!(rows(&page, "usage-days").len(), 30);
    // A week later the first day has left the 7-day window but not the 30-day one.
    later(&app, Duration::days(6)).await;
    assert_eq!(totals(&app.get(&detail).await), ["0", "1", "7"]);
    assert_eq!(app.get(AGENCY).await.text("td[data-label=\"Requests (7 days)\"]"), "1");
}

#[tokio::test]
async fn an_old_tokens_calls_after_it_expired_are_counted_as_denied() {
    let (app, _) = app_with(Vec::new()).await;
    let (detail, old) = create_integration(&app, AGENCY, "CRM", &["users.readonly"]).await;
    app.get(&format!("{detail}/rotate-later")).await;
    let rotated = app.post_form(&format!("{detail}/rotate-later"), &[]).await;
    let new = crate::support::revealed_token(&app.follow(rotated).await).expect("new token");
    assert_eq!(get(&app, "/v2/oauth/token-info", &old, "203.0.113.7").await, 200);
    assert_eq!(get(&app, "/v2/oauth/token-info", &new, "198.51.100.4").await, 200);
    app.get(&format!("{detail}/expire-now")).await;
    app.post_form(&format!("{detail}/expire-now"), &[]).await;
    // Something still calls with the old token: refused, and seen.
    assert_eq!(get(&app, "/v2/oauth/token-info", &old, "203.0.113.7").await, 401);
    assert_eq!(get(&app, "/v2/oauth/token-info", &old, "203.0.113.7").await, 401);
    flush(&app).await;

    let page = app.get(&detail).await;
    assert_eq!(rows(&page, "usage-days")[0], "Mar 1 2 2 0 0 4");
    let tokens = rows(&page, "usage-tokens");
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    assert!(tokens[0].ends_with("Current 1"), "{tokens:?}");
    assert!(tokens[1].ends_with("Revoked 3"), "{tokens:?}");
    // A refused call is not a use: the old token's last use stays the accepted one.
    assert!(
        rows(&page, "usage-addresses")
            .iter()
            .any(|row| row.starts_with("203.0.113.7") && row.ends_with(" 3"))
    );

    // The list page's count follows each flush of this instance.
    let count = |page: Page| page.text("td[data-label=\"Requests (7 days)\"]");
    assert_eq!(count(app.get(AGENCY).await), "4");
    assert_eq!(get(&app, "/v2/oauth/token-info", &new, "198.51.100.4").await, 200);
    assert_eq!(count(app.get(AGENCY).await), "4", "not written yet");
    flush(&app).await;
    assert_eq!(count(app.get(AGENCY).await), "5");
}

#[tokio::test]
async fn instances_add_their_counts_up() {
    let first = TestApp::spawn().await;
    seed(&mut first.conn());
    let second =
        TestApp::spawn_with(Options { env: Vec::new(), database: None, database_url: Some(first.db.url()) })
            .await;
    first.sign_in(people::OWNER, PASSWORD).await;
    let (detail, token) = create_integration(&first, AGENCY, "CRM", &["users.readonly"]).await;
    for app in [&first, &second] {
        for _ in 0..3 {
            assert_eq!(get(app, "/v2/oauth/token-info", &token, "127.0.0.1").await, 200);
        }
    }
    // Both flush at once, twice over: every call is counted once.
    join_all(vec![flush(&first), flush(&second)]).await;
    assert_eq!(get(&second, "/v2/oauth/token-info", &token, "127.0.0.1").await, 200);
    join_all(vec![flush(&first), flush(&second)]).await;
    let page = first.get(&detail).await;
    assert_eq!(totals(&page), ["7", "7", "7"]);
    assert!(rows(&page, "usage-addresses")[0].ends_with(" 7"), "{:?}", rows(&page, "usage-addresses"));
}

#[tokio::test]
async fn usage_older_than_the_retention_is_pruned_by_one_instance() {
    let (app, _) = app_with(vec![("USAGE_RETENTION_DAYS", "3".to_owned())]).await;
    let (detail, token) = create_integration(&app, AGENCY, "CRM", &["users.readonly"]).await;
    assert_eq!(get(&app, "/v2/oauth/token-info", &token, "203.0.113.7").await, 200);
    flush(&app).await;
    later(&app, Duration::days(4)).await;
    assert_eq!(get(&app, "/v2/oauth/token-info", &token, "198.51.100.4").await, 200);
    flush(&app).await;
    let stored =
        |app: &TestApp| usage_hourly::table.count().get_result::<i64>(&mut app.conn()).expect("count");
    assert_eq!(stored(&app), 2);

    // While another instance holds the pruning lock, this one leaves the work to it.
    let mut other = app.conn();
    other
        .transaction(|conn| {
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({})", usage::PRUNE_LOCK))
                .execute(conn)?;
            let skipped = futures_block_on(private_integrations::app::usage::prune(app.state()));
            assert!(matches!(skipped, Ok(None)), "{skipped:?}");
            Ok::<_, diesel::result::Error>(())
        })
        .expect("transaction");
    assert_eq!(stored(&app), 2);

    let pruned = private_integrations::app::usage::prune(app.state()).await.expect("prune");
    assert_eq!(pruned, Some((1, 1)), "the first day's count and its address");
    assert_eq!(stored(&app), 1);
    let page = app.get(&detail).await;
    assert_eq!(totals(&page), ["1", "1", "1"]);
    assert_eq!(rows(&page, "usage-addresses").len(), 1);
    assert!(rows(&page, "usage-addresses")[0].starts_with("198.51.100.4"));
}

/// Runs a future to completion on a runtime of its own (the caller holds a blocking
/// database transaction on this thread).
fn futures_block_on<F: std::future::Future + Send>(future: F) -> F::Output
where
    F::Output: Send,
{
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime")
                    .block_on(future)
            })
            .join()
            .expect("thread")
    })
}

#[tokio::test]
async fn scopes_no_call_used_in_30_days_can_be_removed_in_the_edit_wizard() {
    let (app, _) = app_with(Vec::new()).await;
    let (detail, token) = create_integration(
        &app,
        AGENCY,
        "CRM",
        &["users.readonly", "locations.readonly", "companies.readonly"],
    )
    .await;
    assert_eq!(get(&app, "/v2/locations/search", &token, "203.0.113.7").await, 200);
    // A refused call uses no scope, even one the token holds.
    assert_eq!(get(&app, "/v2/users/00000000-0000-0000-0000-000000000000", &token, "203.0.113.7").await, 403);
    flush(&app).await;
    let page = app.get(&detail).await;
    assert_eq!(page.text(".unused-scopes h3"), "Scopes not used in the last 30 days");
    assert_eq!(page.texts(".unused-scopes p code"), ["companies.readonly", "users.readonly"]);

    let removing = app.post_form(&format!("{detail}/remove-unused-scopes"), &[]).await;
    assert_eq!(removing.status, 303, "{}", removing.body);
    assert_eq!(removing.location(), format!("{detail}/edit/scopes"));
    let step = app.follow(removing).await;
    assert!(step.text(".flash").contains("companies.readonly, users.readonly"), "{}", step.text(".flash"));
    let ticked: Vec<String> = step
        .html()
        .select(&scraper::Selector::parse("input[name=scopes][checked]").expect("selector"))
        .filter_map(|input| input.value().attr("value").map(str::to_owned))
        .collect();
    assert_eq!(ticked, ["locations.readonly"]);
    // Nothing changed yet.
    assert_eq!(app.get(&detail).await.texts(".held-scopes code").len(), 3);

    let saved = app
        .post_form(&format!("{detail}/edit/scopes"), &[("scopes", "locations.readonly"), ("step", "save")])
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = app.get(&detail).await;
    assert_eq!(page.texts(".held-scopes code"), ["locations.readonly"]);
    assert!(page.texts(".unused-scopes").is_empty());
    assert_eq!(get(&app, "/v2/users/", &token, "203.0.113.7").await, 403);
}

#[tokio::test]
async fn only_people_who_manage_the_integration_see_its_usage() {
    let (app, world) = app_with(Vec::new()).await;
    let sub_a = format!("/locations/{}/settings/private-integrations", world.sub_a);
    let (detail, token) = create_integration(&app, &sub_a, "Dental CRM", &["users.readonly"]).await;
    assert_eq!(get(&app, "/v2/oauth/token-info", &token, "203.0.113.7").await, 200);
    flush(&app).await;
    assert_eq!(totals(&app.get(&detail).await), ["1", "1", "1"]);
    let id = detail.rsplit('/').next().expect("id");

    // Sub-account A's admin manages it, and sees its usage.
    let admin = app.new_browser();
    admin.sign_in(people::ADMIN_A, PASSWORD).await;
    assert_eq!(totals(&admin.get(&detail).await), ["1", "1", "1"]);

    // Not its account user, not another agency, not under sub-account B's path.
    let sub_b = format!("/locations/{}/settings/private-integrations", world.sub_b);
    for (who, path) in [
        (people::USER_A, detail.clone()),
        (people::OTHER_OWNER, detail.clone()),
        (people::OTHER_OWNER, format!("{sub_b}/{id}")),
        (people::OWNER, format!("{sub_b}/{id}")),
    ] {
        let outsider = app.new_browser();
        outsider.sign_in(who, PASSWORD).await;
        let page = outsider.get(&path).await;
        assert!(matches!(page.status, 403 | 404), "{who} {path}: {}", page.status);
        assert!(!page.body.contains("203.0.113.7"), "{who} {path}");
        let removing = outsider.post_form(&format!("{path}/remove-unused-scopes"), &[]).await;
        assert!(matches!(removing.status, 403 | 404), "{who} {path}: {}", removing.status);
    }
}
