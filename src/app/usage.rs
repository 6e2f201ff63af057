//! Last use of each token (time and client address), gathered in memory and written in
//! batches, so that verifying a token never costs a database write.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};

use crate::db;
use crate::domain::ids::TokenId;

/// When and from where a token was last used.
type LastUse = (DateTime<Utc>, String);

/// Pending last-use records, newest per token.
#[derive(Clone, Default)]
pub struct UsageRecorder {
    pending: Arc<Mutex<HashMap<TokenId, LastUse>>>,
}

impl UsageRecorder {
    /// Notes a use; cheap, in memory (no allocation when the token was seen from the same
    /// address since the last flush).
    pub fn record(&self, token: TokenId, at: DateTime<Utc>, ip: &str) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        match pending.get_mut(&token) {
            Some((seen, _)) if *seen >= at => {}
            Some((seen, address)) => {
                *seen = at;
                if address != ip {
                    ip.clone_into(address);
                }
            }
            None => {
                pending.insert(token, (at, ip.to_owned()));
            }
        }
    }

    /// Writes everything pending in one transaction; on failure the records are kept for
    /// the next attempt (unless newer ones replaced them).
    pub async fn flush(&self, app: &super::App) -> super::AppResult<usize> {
        let batch: Vec<(TokenId, DateTime<Utc>, String)> = {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            pending.drain().map(|(token, (at, ip))| (token, at, ip)).collect()
        };
        if batch.is_empty() {
            return Ok(0);
        }
        let written = batch.clone();
        let outcome = app
            .write(move |conn| {
                for (token, at, ip) in &written {
                    db::integrations::record_use(conn, *token, *at, ip)?;
                }
                Ok(written.len())
            })
            .await;
        if outcome.is_err() {
            for (token, at, ip) in batch {
                self.record(token, at, &ip);
            }
        }
        outcome
    }
}
