//! Sessions: an actix-session store backed by PostgreSQL, and typed access to what a
//! session holds (the signed-in user, the CSRF token, flash messages).
//!
//! The cookie carries a 190-bit random key; the table stores only its SHA-256 digest. A
//! session ends when idle for the configured time, at its absolute lifetime, at sign-out,
//! and at once when an admin ends the user's sessions (the rows are deleted).

use std::collections::HashMap;
use std::time::Duration;

use actix_session::Session;
use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::clock::SharedClock;
use crate::db::{self, Database};
use crate::domain::ids::UserId;
use crate::domain::random;
use crate::error::{AppError, AppResult};

const USER_ID: &str = "user_id";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";

/// The PostgreSQL session store.
#[derive(Clone)]
pub struct PgSessionStore {
    db: Database,
    clock: SharedClock,
    absolute: chrono::Duration,
}

impl PgSessionStore {
    /// A store whose sessions end after `absolute` whatever their activity.
    pub fn new(db: Database, clock: SharedClock, absolute: Duration) -> Self {
        let absolute = chrono::Duration::from_std(absolute).unwrap_or(chrono::Duration::MAX);
        Self { db, clock, absolute }
    }

    fn write(&self, state: &HashMap<String, String>, ttl: &CookieDuration) -> db::sessions::SessionWrite {
        let user_id = state.get(USER_ID).and_then(|json| serde_json::from_str::<UserId>(json).ok());
        db::sessions::SessionWrite {
            user_id,
            state: serde_json::to_value(state).unwrap_or_default(),
            expires_at: self.expiry(ttl),
        }
    }

    fn expiry(&self, ttl: &CookieDuration) -> DateTime<Utc> {
        self.clock.now() + chrono::Duration::seconds(ttl.whole_seconds())
    }
}

/// The stored digest of a session key.
fn digest(key: &SessionKey) -> Vec<u8> {
    Sha256::digest(key.as_ref().as_bytes()).to_vec()
}

fn new_key() -> SessionKey {
    // 32 base62 characters: 190 bits from the OS CSPRNG.
    #[expect(clippy::expect_used, reason = "a 32-character key is always within SessionKey's limit")]
    SessionKey::try_from(random::base62(32)).expect("valid session key")
}

impl SessionStore for PgSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<HashMap<String, String>>, LoadError> {
        let key_digest = digest(key);
        let now = self.clock.now();
        let created_after = now - self.absolute;
        let state = self
            .db
            .run(move |conn| Ok(db::sessions::load(conn, &key_digest, now, created_after)?))
            .await
            .map_err(|error| LoadError::Other(error.into()))?;
        match state {
            None => Ok(None),
            Some(value) => serde_json::from_value(value)
                .map(Some)
                .map_err(|error| LoadError::Deserialization(error.into())),
        }
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, SaveError> {
        let key = new_key();
        let key_digest = digest(&key);
        let write = self.write(&state, ttl);
        let now = self.clock.now();
        self.db
            .run(move |conn| Ok(db::sessions::insert(conn, &key_digest, &write, now)?))
            .await
            .map_err(|error| SaveError::Other(error.into()))?;
        Ok(key)
    }

    async fn update(
        &self,
        key: SessionKey,
        state: HashMap<String, String>,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let key_digest = digest(&key);
        let write = self.write(&state, ttl);
        let updated = self
            .db
            .run(move |conn| Ok(db::sessions::update(conn, &key_digest, &write)?))
            .await
            .map_err(|error| UpdateError::Other(error.into()))?;
        if updated {
            Ok(key)
        } else {
            // The session was ended meanwhile (sign-out elsewhere): start a fresh one
            // rather than resurrect it.
            self.save(state, ttl).await.map_err(|error| UpdateError::Other(error.into()))
        }
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &CookieDuration) -> Result<(), anyhow::Error> {
        let key_digest = digest(key);
        let expires_at = self.expiry(ttl);
        self.db
            .run(move |conn| Ok(db::sessions::touch(conn, &key_digest, expires_at)?))
            .await
            .map_err(Into::into)
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        let key_digest = digest(key);
        self.db.run(move |conn| Ok(db::sessions::delete(conn, &key_digest)?)).await.map_err(Into::into)
    }
}

/// The kind of a flash message, which sets its colour and icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashKind {
    /// Something worked.
    Success,
    /// Something needs attention.
    Error,
}

/// A one-time message shown on the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    /// Its kind.
    pub kind: FlashKind,
    /// What it says.
    pub text: String,
}

/// Typed access to the session's contents.
pub trait SessionExtras {
    /// The signed-in user's id, if any.
    fn user_id(&self) -> Option<UserId>;
    /// Signs `user` in: a new session id (against fixation), a new CSRF token.
    fn sign_in(&self, user: UserId) -> AppResult<()>;
    /// The session's CSRF token, created on first use.
    fn csrf_token(&self) -> AppResult<String>;
    /// Queues a message for the next page.
    fn flash(&self, kind: FlashKind, text: impl Into<String>) -> AppResult<()>;
    /// Takes the queued messages.
    fn take_flashes(&self) -> Vec<Flash>;
}

impl SessionExtras for Session {
    fn user_id(&self) -> Option<UserId> {
        self.get(USER_ID).ok().flatten()
    }

    fn sign_in(&self, user: UserId) -> AppResult<()> {
        self.renew();
        self.clear();
        self.insert(USER_ID, user).map_err(insert_failed)?;
        self.insert(CSRF, random::base62(32)).map_err(insert_failed)
    }

    fn csrf_token(&self) -> AppResult<String> {
        if let Ok(Some(token)) = self.get::<String>(CSRF) {
            return Ok(token);
        }
        let token = random::base62(32);
        self.insert(CSRF, &token).map_err(insert_failed)?;
        Ok(token)
    }

    fn flash(&self, kind: FlashKind, text: impl Into<String>) -> AppResult<()> {
        let mut flashes: Vec<Flash> = self.get(FLASH).ok().flatten().unwrap_or_default();
        flashes.push(Flash { kind, text: text.into() });
        self.insert(FLASH, flashes).map_err(insert_failed)
    }

    fn take_flashes(&self) -> Vec<Flash> {
        self.remove_as::<Vec<Flash>>(FLASH).and_then(Result::ok).unwrap_or_default()
    }
}

fn insert_failed(error: actix_session::SessionInsertError) -> AppError {
    AppError::Internal(anyhow::anyhow!("writing to the session: {error}"))
}

/// The CSRF token stored in the session, without creating one.
pub fn stored_csrf_token(session: &Session) -> Option<String> {
    session.get(CSRF).ok().flatten()
}
