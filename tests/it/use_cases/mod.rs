//! The use cases of `src/app`, called directly against a fresh PostgreSQL database: no
//! HTTP, no session, just the requester, the rules and the transaction.

mod integrations;
mod people;
mod rotation;
mod tokens;

use std::sync::Arc;

use chrono::{TimeZone as _, Utc};
use private_integrations::app::{App, Requester, passwords::Passwords, tokens::TokenCache};
use private_integrations::clock::ManualClock;
use private_integrations::config::Config;
use private_integrations::db::Database;
use private_integrations::domain::people::Member;

use crate::support::{TestDatabase, World, seed};

/// An app over a fresh, seeded database, with a clock that moves only when told.
pub struct Harness {
    pub app: App,
    pub clock: Arc<ManualClock>,
    pub world: World,
    pub db: TestDatabase,
}

impl Harness {
    pub fn new() -> Self {
        let db = TestDatabase::new();
        let world = seed(&mut db.conn());
        let url = db.url();
        let config =
            Config::from_lookup(|name| (name == "DATABASE_URL").then(|| url.clone())).expect("config");
        let clock =
            Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).single().expect("date")));
        let app = App {
            db: Database::new(&config.database_url, 2),
            clock: clock.clone(),
            passwords: Passwords::new(1).expect("passwords"),
            catalog: Arc::new(config.load_catalog().expect("catalog")),
            keys: private_integrations::app::keys::Keys::new(None, &[], vec![7; 32]),
            tokens: TokenCache::default(),
            limiter: private_integrations::app::limits::RateLimiter::new(config.rate_limits),
            metrics: Arc::default(),
            usage: private_integrations::app::usage::UsageRecorder::default(),
            outbox: private_integrations::app::outbox::Outbox::new(&config).expect("outbox"),
            config: Arc::new(config),
        };
        Self { app, clock, world, db }
    }

    /// The token awaiting its reveal, taken as `by` would (once).
    pub async fn reveal(
        &self,
        by: &Requester,
        context: private_integrations::domain::access::Context,
        id: private_integrations::domain::ids::IntegrationId,
        reveal: uuid::Uuid,
    ) -> private_integrations::domain::token::TokenSecret {
        private_integrations::app::reveals::take(&self.app, by, context, id, reveal)
            .await
            .expect("taken")
            .expect("revealed")
    }

    /// The seeded person of this email, as a requester from 192.0.2.1.
    pub fn person(&self, email: &str) -> Requester {
        let mut conn = self.db.conn();
        let email = private_integrations::domain::people::Email::parse(email).expect("email");
        let (user, _) = private_integrations::db::users::find_by_email(&mut conn, &email)
            .expect("query")
            .expect("seeded");
        let member: Member = private_integrations::db::users::member(&mut conn, user.id).expect("member");
        Requester::user(member.actor(), member.user.email.clone(), "192.0.2.1")
    }
}
