//! Start-up: database creation, concurrent migrations, probes, and riding out an outage.

use std::sync::Arc;

use chrono::Utc;
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use private_integrations::clock::ManualClock;
use private_integrations::config::Config;
use private_integrations::startup::Application;

use crate::support::proxy::Proxy;
use crate::support::{Options, PASSWORD, TestApp, TestDatabase, people, seed};

#[tokio::test]
async fn serving_creates_a_missing_database_and_offers_setup() {
    let db = TestDatabase::missing();
    let url = db.url();
    let config = Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.clone()),
        "BIND" => Some("127.0.0.1:0".to_owned()),
        "WORKERS" => Some("1".to_owned()),
        _ => None,
    })
    .expect("config");
    let app = Application::build(config, Arc::new(ManualClock::new(Utc::now()))).await.expect("starts");
    assert!(app.setup_link.is_some());
    let mut conn = db.conn();
    assert!(!private_integrations::db::agencies::any_exists(&mut conn).expect("migrated"));
    app.shutdown().await.expect("stops cleanly");
}

#[test]
fn instances_starting_at_once_migrate_exactly_once() {
    let db = TestDatabase::missing();
    let url = db.url();
    let start = Arc::new(std::sync::Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (url, start) = (url.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                private_integrations::db::prepare(&url)
            })
        })
        .collect();
    let applied: Vec<usize> = handles
        .into_iter()
        .map(|handle| handle.join().expect("thread").expect("every instance starts"))
        .collect();
    let migrations =
        MigrationSource::<Pg>::migrations(&private_integrations::db::MIGRATIONS).expect("embedded").len();
    assert_eq!(applied.iter().sum::<usize>(), migrations, "each migration ran once in all: {applied:?}");
    assert_eq!(applied.iter().filter(|count| **count > 0).count(), 1, "one instance migrated: {applied:?}");
    let mut conn = db.conn();
    let recorded: Vec<String> = diesel::RunQueryDsl::load(
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations ORDER BY version"),
        &mut conn,
    )
    .map(|rows: Vec<Version>| rows.into_iter().map(|row| row.version).collect())
    .expect("the migrations table");
    let mut unique = recorded.clone();
    unique.dedup();
    assert_eq!((recorded.len(), unique.len()), (migrations, migrations), "{recorded:?}");
}

#[derive(diesel::QueryableByName)]
struct Version {
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
}

#[tokio::test]
async fn probes_report_the_process_and_the_database() {
    let app = TestApp::spawn().await;
    let health = app.get("/healthz").await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.body, r#"{"database":"ok","status":"ready"}"#);
}

#[tokio::test]
async fn a_database_outage_shows_the_503_page_and_the_app_recovers_without_a_restart() {
    let proxy = Proxy::start().await;
    let db = TestDatabase::new();
    seed(&mut db.conn());
    let url = proxy.url(&db.name);
    let app = TestApp::spawn_with(Options { env: vec![], database: Some(db), database_url: Some(url) }).await;
    app.sign_in(people::OWNER, PASSWORD).await;

    proxy.cut();
    let down = app.get("/settings/team").await;
    assert_eq!(down.status, 503, "{}", down.body);
    assert_eq!(down.text("h1"), "Temporarily unavailable");
    let signed_out_view = app.client.get(format!("{}/sign-in", app.address)).send().await.expect("GET");
    assert_eq!(signed_out_view.status(), 503);
    assert_eq!(app.get("/readyz").await.status, 503);
    assert_eq!(app.get("/healthz").await.status, 200, "the process itself is fine");

    proxy.restore();
    let back = app.get("/settings/team").await;
    assert_eq!(back.status, 200, "still signed in once the database is back:\n{}", back.body);
    assert_eq!(app.get("/readyz").await.status, 200);
}
