//! Sessions: an actix-session store backed by PostgreSQL, and typed access to what a
//! session holds (the signed-in user, the CSRF token, flash messages).
//!
//! The cookie carries a 190-bit random key; the table stores only its SHA-256 digest. A
//! session ends when idle for the configured time, at its absolute lifetime, at sign-out,
//! and at once when an admin ends the user's sessions (the rows are deleted).

use std::collections::HashMap;

use actix_session::Session;
use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::error::{WebError, WebResult};
use crate::app::sessions::Stored;
use crate::app::{self, App, random};
use crate::domain::ids::UserId;

const USER_ID: &str = "user_id";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";
/// A person whose password was right, awaiting their second step (and since when).
const SECOND_STEP: &str = "second_step";
/// Until when dangerous actions need no new confirmation of access (sudo mode).
const SUDO_UNTIL: &str = "sudo_until";

/// The PostgreSQL session store; sessions end after the configured absolute lifetime
/// whatever their activity.
#[derive(Clone)]
pub struct PgSessionStore {
    app: App,
}

impl PgSessionStore {
    /// The store of `app`'s sessions.
    pub fn new(app: App) -> Self {
        Self { app }
    }

    fn write(&self, state: &HashMap<String, String>, ttl: &CookieDuration) -> Stored {
        let user_id = state.get(USER_ID).and_then(|json| serde_json::from_str::<UserId>(json).ok());
        Stored {
            user_id,
            state: serde_json::to_value(state).unwrap_or_default(),
            expires_at: self.expiry(ttl),
        }
    }

    fn expiry(&self, ttl: &CookieDuration) -> DateTime<Utc> {
        self.app.clock.now() + chrono::Duration::seconds(ttl.whole_seconds())
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
    /// The session's state, extending its idle deadline (`app::sessions::load`).
    async fn load(&self, key: &SessionKey) -> Result<Option<HashMap<String, String>>, LoadError> {
        let state = app::sessions::load(&self.app, digest(key))
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
        app::sessions::insert(&self.app, digest(&key), self.write(&state, ttl))
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
        let updated = app::sessions::update(&self.app, digest(&key), self.write(&state, ttl))
            .await
            .map_err(|error| UpdateError::Other(error.into()))?;
        if !updated {
            // The session ended meanwhile (sign-out, "sign out everywhere", deactivation)
            // while this request held it: it stays ended. Saving what the request loaded
            // under a new key would hand its holder a fresh, valid session.
            tracing::info!("a request finished after its session ended; not saved again");
        }
        Ok(key)
    }

    /// Not called by the middleware as configured (`TtlExtensionPolicy::OnStateChanges`):
    /// [`Self::load`] extends the idle deadline already. Kept correct for any other policy.
    async fn update_ttl(&self, key: &SessionKey, ttl: &CookieDuration) -> Result<(), anyhow::Error> {
        Ok(app::sessions::touch(&self.app, digest(key), self.expiry(ttl)).await?)
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        Ok(app::sessions::delete(&self.app, digest(key)).await?)
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
    /// Signs `user` in: a new session id (against fixation), a new CSRF token, and sudo
    /// mode until `sudo_until` (they just proved who they are).
    fn sign_in(&self, user: UserId, sudo_until: DateTime<Utc>) -> WebResult<()>;
    /// After a right password with two-factor on: a new session id holding only who awaits
    /// their second step, and since when. It grants nothing else.
    fn begin_second_step(&self, user: UserId, now: DateTime<Utc>) -> WebResult<()>;
    /// Who awaits their second step, and since when.
    fn second_step(&self) -> Option<(UserId, DateTime<Utc>)>;
    /// Until when this session is in sudo mode.
    fn sudo_until(&self) -> Option<DateTime<Utc>>;
    /// Puts this session in sudo mode until `until`, under a new session id.
    fn grant_sudo(&self, until: DateTime<Utc>) -> WebResult<()>;
    /// The session's CSRF token, created on first use.
    fn csrf_token(&self) -> WebResult<String>;
    /// Queues a message for the next page.
    fn flash(&self, kind: FlashKind, text: impl Into<String>) -> WebResult<()>;
    /// Takes the queued messages.
    fn take_flashes(&self) -> Vec<Flash>;
}

impl SessionExtras for Session {
    fn user_id(&self) -> Option<UserId> {
        self.get(USER_ID).ok().flatten()
    }

    fn sign_in(&self, user: UserId, sudo_until: DateTime<Utc>) -> WebResult<()> {
        self.renew();
        self.clear();
        self.insert(USER_ID, user).map_err(insert_failed)?;
        self.insert(SUDO_UNTIL, sudo_until.timestamp()).map_err(insert_failed)?;
        self.insert(CSRF, random::base62(32)).map_err(insert_failed)
    }

    fn begin_second_step(&self, user: UserId, now: DateTime<Utc>) -> WebResult<()> {
        self.renew();
        self.clear();
        self.insert(SECOND_STEP, (user, now.timestamp())).map_err(insert_failed)?;
        self.insert(CSRF, random::base62(32)).map_err(insert_failed)
    }

    fn second_step(&self) -> Option<(UserId, DateTime<Utc>)> {
        let (user, since): (UserId, i64) = self.get(SECOND_STEP).ok().flatten()?;
        Some((user, DateTime::from_timestamp(since, 0)?))
    }

    fn sudo_until(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(self.get::<i64>(SUDO_UNTIL).ok().flatten()?, 0)
    }

    fn grant_sudo(&self, until: DateTime<Utc>) -> WebResult<()> {
        // A new session id with the new privilege, as at sign-in.
        self.renew();
        self.insert(SUDO_UNTIL, until.timestamp()).map_err(insert_failed)
    }

    fn csrf_token(&self) -> WebResult<String> {
        if let Ok(Some(token)) = self.get::<String>(CSRF) {
            return Ok(token);
        }
        let token = random::base62(32);
        self.insert(CSRF, &token).map_err(insert_failed)?;
        Ok(token)
    }

    fn flash(&self, kind: FlashKind, text: impl Into<String>) -> WebResult<()> {
        let mut flashes: Vec<Flash> = self.get(FLASH).ok().flatten().unwrap_or_default();
        flashes.push(Flash { kind, text: text.into() });
        self.insert(FLASH, flashes).map_err(insert_failed)
    }

    fn take_flashes(&self) -> Vec<Flash> {
        // Only a session that holds messages changes: reading a page writes nothing.
        if self.get::<Vec<Flash>>(FLASH).ok().flatten().is_none() {
            return Vec::new();
        }
        self.remove_as::<Vec<Flash>>(FLASH).and_then(Result::ok).unwrap_or_default()
    }
}

fn insert_failed(error: actix_session::SessionInsertError) -> WebError {
    WebError::internal(anyhow::anyhow!("writing to the session: {error}"))
}

/// The CSRF token stored in the session, without creating one.
pub fn stored_csrf_token(session: &Session) -> Option<String> {
    session.get(CSRF).ok().flatten()
}
