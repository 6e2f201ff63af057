//! Cold token lookups, read in batches. A verification the cache cannot answer waits here
//! for the database, and whatever is waiting is read by one statement
//! (`digest = ANY($1)`, served by the unique index), so that under load one wake-up of a
//! blocking thread, one round trip and one statement serve many lookups instead of one
//! each. At most [`READERS`] blocking threads read at once, each keeping its connection
//! for as long as lookups keep coming; a lookup that arrives while they are busy joins
//! the next batch. A lookup alone costs what it always did: one statement.
//!
//! The cache's correctness does not depend on this: each lookup still reads the
//! database after it was asked for (a batch is taken from the queue before its statement
//! runs), and [`super::tokens`] caches an answer only if no change arrived meanwhile.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

use super::{AppError, AppResult};
use crate::db::Database;
use crate::db::integrations::{find_by_any_digest, redigest};
use crate::domain::integration::{Integration, Token};

/// What a lookup finds: the token with its integration, or nothing.
pub type Found = Option<(Integration, Token)>;

/// Blocking threads reading at once, each with a connection of the pool. One reads the
/// most per statement: on the harness's machine (16 connections, 64 tokens, cache off) one
/// reader served 14,000–15,600 lookups a second, two 9,200–11,000, four 5,500–6,600.
const READERS: usize = 1;
/// Lookups read by one statement, at most.
const BATCH: usize = 64;

/// The queue of lookups waiting for the database, shared by all workers of an instance.
#[derive(Clone, Default)]
pub struct Lookups {
    queue: Arc<Mutex<Queue>>,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Waiting>,
    /// Blocking threads reading now.
    readers: usize,
}

struct Waiting {
    /// The token's digest under every accepted key, the current key's first.
    digests: Vec<Vec<u8>>,
    answer: oneshot::Sender<AppResult<Found>>,
}

impl Lookups {
    /// The token stored under any of `digests` (one per accepted key, the current key's
    /// first); rewritten under the current key if an earlier key found it.
    pub async fn find(&self, db: &Database, digests: Vec<Vec<u8>>) -> AppResult<Found> {
        let (answer, found) = oneshot::channel();
        let start_reader = {
            let mut queue = self.lock();
            queue.waiting.push(Waiting { digests, answer });
            let start = queue.readers < READERS;
            if start {
                queue.readers += 1;
            }
            start
        };
        if start_reader {
            let (lookups, db) = (self.clone(), db.clone());
            tokio::task::spawn_blocking(move || lookups.read(&db));
        }
        found.await.map_err(|_| AppError::Internal(anyhow::anyhow!("a token lookup was abandoned")))?
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A reader: takes what is waiting, a batch at a time, until nothing is. It steps
    /// down under the same lock that a lookup joins the queue under, so a lookup never
    /// waits with no reader coming.
    fn read(&self, db: &Database) {
        let _reading = Reading(self);
        let mut conn = None;
        loop {
            let batch: Vec<Waiting> = {
                let mut queue = self.lock();
                if queue.waiting.is_empty() {
                    queue.readers -= 1;
                    return;
                }
                let taken = queue.waiting.len().min(BATCH);
                queue.waiting.drain(..taken).collect()
            };
            // A connection is kept only while it answers: after a failure the next batch
            // takes another.
            let read = match conn.take().map_or_else(|| db.get().map_err(AppError::from), Ok) {
                Ok(mut connection) => {
                    let read = answer(&mut connection, &batch);
                    if read.is_ok() {
                        conn = Some(connection);
                    }
                    read
                }
                Err(error) => Err(error),
            };
            match read {
                Ok(found) => {
                    for (waiting, found) in batch.into_iter().zip(found) {
                        let _ = waiting.answer.send(Ok(found));
                    }
                }
                Err(error) => {
                    for waiting in batch {
                        let _ = waiting.answer.send(Err(copy(&error)));
                    }
                }
            }
        }
    }
}

/// Reads a batch with one statement; each lookup's answer, in the batch's order.
fn answer(conn: &mut diesel::PgConnection, batch: &[Waiting]) -> AppResult<Vec<Found>> {
    let digests: Vec<Vec<u8>> = batch.iter().flat_map(|waiting| waiting.digests.iter().cloned()).collect();
    let rows = find_by_any_digest(conn, &digests)?;
    let by_digest: HashMap<&[u8], &(Integration, Token, Vec<u8>)> =
        rows.iter().map(|row| (row.2.as_slice(), row)).collect();
    let mut answers = Vec::with_capacity(batch.len());
    for waiting in batch {
        let found = waiting.digests.iter().find_map(|digest| by_digest.get(digest.as_slice()));
        if let (Some((_, token, stored)), Some(current)) = (found, waiting.digests.first())
            && stored != current
        {
            redigest(conn, token.id, current)?;
        }
        answers.push(found.map(|(integration, token, _)| (integration.clone(), token.clone())));
    }
    Ok(answers)
}

/// The same failure for every lookup of a batch (errors are not `Clone`).
fn copy(error: &AppError) -> AppError {
    match error {
        AppError::Unavailable(source) => AppError::Unavailable(anyhow::anyhow!("{source:#}")),
        other => AppError::Internal(anyhow::anyhow!("{other:#}")),
    }
}

/// A reader that panics steps down and fails what is waiting (each lookup sees its
/// answer dropped), so that the next lookup starts a reader afresh.
struct Reading<'a>(&'a Lookups);

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut queue = self.0.lock();
            queue.readers -= 1;
            queue.waiting.clear();
        }
    }
}
