//! A fresh PostgreSQL database per test, cloned from a migrated template that is built
//! once per migration set, and dropped when the test ends.

use std::sync::OnceLock;

use diesel::PgConnection;
use diesel::prelude::*;

/// The server tests run against; `TEST_DATABASE_SERVER` overrides it.
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_SERVER").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

fn admin() -> PgConnection {
    PgConnection::establish(&format!("{}/postgres", server_url()))
        .expect("tests need PostgreSQL at TEST_DATABASE_SERVER (default postgres://postgres@127.0.0.1:5432)")
}

/// The template's name changes whenever the migrations do, so a stale template is never
/// reused.
fn template_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let mut hasher = crc32fast::Hasher::new();
        let mut entries: Vec<_> = walk("migrations");
        entries.sort();
        for path in entries {
            hasher.update(path.as_bytes());
            hasher.update(&std::fs::read(&path).expect("read migration"));
        }
        format!("pi_test_template_{:08x}", hasher.finalize())
    })
}

fn walk(dir: &str) -> Vec<String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read migrations") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(walk(path.to_str().expect("utf-8 path")));
        } else {
            files.push(path.to_string_lossy().into_owned());
        }
    }
    files
}

/// Makes sure the migrated template exists; safe across parallel test processes.
fn ensure_template() {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        let name = template_name();
        let mut conn = admin();
        diesel::sql_query("SELECT pg_advisory_lock(727274)").execute(&mut conn).expect("lock");
        let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"
        )))
        .get_result(&mut conn)
        .expect("query pg_database");
        if !exists {
            let building = format!("{name}_building");
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {building}"))
                .execute(&mut conn)
                .expect("drop");
            diesel::sql_query(format!("CREATE DATABASE {building}"))
                .execute(&mut conn)
                .expect("create template");
            private_integrations::db::prepare(&format!("{}/{building}", server_url()))
                .expect("migrate template");
            diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
                .execute(&mut conn)
                .expect("rename");
        }
        diesel::sql_query("SELECT pg_advisory_unlock(727274)").execute(&mut conn).expect("unlock");
    });
}

/// A database of one test's own; dropped with it.
pub struct TestDatabase {
    /// Its name.
    pub name: String,
}

impl TestDatabase {
    /// A fresh, migrated database.
    pub fn new() -> Self {
        ensure_template();
        let name = format!("pi_test_{}", uuid::Uuid::new_v4().simple());
        diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {}", template_name()))
            .execute(&mut admin())
            .expect("clone template");
        Self { name }
    }

    /// An empty name that no database has (for "create it if missing").
    pub fn missing() -> Self {
        Self { name: format!("pi_test_{}", uuid::Uuid::new_v4().simple()) }
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("{}/{}", server_url(), self.name)
    }

    /// A direct connection, for arranging and inspecting data.
    pub fn conn(&self) -> PgConnection {
        PgConnection::establish(&self.url()).expect("connect to test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
            .execute(&mut admin());
    }
}
