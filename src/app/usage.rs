//! API usage (SPEC §9), gathered in memory and written in batches, so that an API call
//! never costs a database write: each token's last use (time and client address), its
//! calls per hour, endpoint, scope and outcome, and the addresses it was used from. Each
//! instance adds its own counts to the stored ones, so several instances add up. Also the
//! report an integration's page shows, and the pruning of old counts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::{App, AppResult, FastHash, Requester};
use crate::db;
use crate::db::usage::Seen;
use crate::domain::access::Context;
use crate::domain::ids::{IntegrationId, TokenId};
use crate::domain::integration::Owner;
use crate::domain::usage::{self, Call, Report};

/// Distinct (token, address) pairs kept between two flushes; beyond it new addresses wait
/// for the next flush (their calls are still counted), so a flood cannot grow memory.
const MAX_PENDING_ADDRESSES: usize = 50_000;

/// What is waiting for the next flush.
#[derive(Default)]
struct Pending {
    /// Newest use per token that authenticated: when, and from where.
    last_use: HashMap<TokenId, (DateTime<Utc>, String), FastHash>,
    /// Calls, counted.
    calls: HashMap<Call, u64, FastHash>,
    /// Per token: its integration, and its calls per client address.
    addresses: HashMap<TokenId, (IntegrationId, HashMap<String, Sighting, FastHash>), FastHash>,
    /// How many (token, address) pairs `addresses` holds.
    address_count: usize,
}

impl Pending {
    fn seen(&mut self, token: TokenId, integration: IntegrationId, at: DateTime<Utc>, ip: &str) {
        let (_, by_ip) = self.addresses.entry(token).or_insert_with(|| (integration, HashMap::default()));
        let call = Sighting { first: at, last: at, requests: 1 };
        if let Some(seen) = by_ip.get_mut(ip) {
            seen.add(call);
        } else if self.address_count < MAX_PENDING_ADDRESSES {
            by_ip.insert(ip.to_owned(), call);
            self.address_count += 1;
        }
    }

    fn used(&mut self, token: TokenId, at: DateTime<Utc>, ip: &str) {
        match self.last_use.get_mut(&token) {
            Some((seen, _)) if *seen >= at => {}
            Some((seen, address)) => {
                *seen = at;
                if address != ip {
                    ip.clone_into(address);
                }
            }
            None => {
                self.last_use.insert(token, (at, ip.to_owned()));
            }
        }
    }
}

/// Calls from one address: the first, the last, how many.
#[derive(Clone, Copy)]
struct Sighting {
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    requests: u64,
}

impl Sighting {
    fn add(&mut self, other: Self) {
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
        self.requests += other.requests;
    }
}

/// Everything one flush writes.
struct Batch {
    last_use: Vec<(TokenId, DateTime<Utc>, String)>,
    calls: Vec<(Call, u64)>,
    addresses: Vec<Seen>,
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.last_use.is_empty() && self.calls.is_empty() && self.addresses.is_empty()
    }
}

/// Usage waiting to be written, and each owner's integrations' calls over the last 7 days
/// as the list page shows them.
#[derive(Clone, Default)]
pub struct UsageRecorder {
    pending: Arc<Mutex<Pending>>,
    /// Per owner and first day of the 7: when read, and the calls per integration. Summing
    /// days costs the list page about a millisecond for 200 integrations, and the sums
    /// change only when a flush writes: this instance's flushes forget them all, another
    /// instance's show within [`WEEKLY_TTL`].
    weekly: Arc<Mutex<WeeklyCounts>>,
}

/// The 7-day counts read per owner and first day, each with when it was read.
type WeeklyCounts = HashMap<(Owner, NaiveDate), (Instant, Weekly)>;

/// Calls per integration over 7 days.
pub type Weekly = Arc<HashMap<IntegrationId, i64>>;

/// How long the list page's 7-day counts are kept.
const WEEKLY_TTL: std::time::Duration = std::time::Duration::from_secs(30);
/// How many owners' counts are kept at most (all are forgotten beyond).
const WEEKLY_CAPACITY: usize = 10_000;

impl UsageRecorder {
    /// Notes that `token` (of `integration`) was presented from `ip` at `at`; `authenticated`
    /// when it worked (a revoked or expired token's calls count, but are not its last use).
    /// Cheap, in memory: no allocation once the token was seen from that address since the
    /// last flush.
    pub fn presented(
        &self,
        token: TokenId,
        integration: IntegrationId,
        at: DateTime<Utc>,
        ip: &str,
        authenticated: bool,
    ) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        pending.seen(token, integration, at, ip);
        if authenticated {
            pending.used(token, at, ip);
        }
    }

    /// The 7-day counts of `owner`'s integrations from `first` on, if known.
    pub fn weekly(&self, owner: Owner, first: NaiveDate) -> Option<Weekly> {
        let weekly = self.weekly.lock().unwrap_or_else(PoisonError::into_inner);
        weekly
            .get(&(owner, first))
            .filter(|(read, _)| read.elapsed() < WEEKLY_TTL)
            .map(|(_, counts)| Arc::clone(counts))
    }

    /// Keeps the 7-day counts read for `owner`.
    pub fn remember_weekly(&self, owner: Owner, first: NaiveDate, counts: Weekly) {
        let mut weekly = self.weekly.lock().unwrap_or_else(PoisonError::into_inner);
        if weekly.len() >= WEEKLY_CAPACITY {
            weekly.clear();
        }
        weekly.insert((owner, first), (Instant::now(), counts));
    }

    /// Counts one answered call.
    pub fn answered(&self, call: Call) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        *pending.calls.entry(call).or_insert(0) += 1;
    }

    fn take(&self) -> Batch {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let taken = std::mem::take(&mut *pending);
        drop(pending);
        Batch {
            last_use: taken.last_use.into_iter().map(|(token, (at, ip))| (token, at, ip)).collect(),
            calls: taken.calls.into_iter().collect(),
            addresses: taken
                .addresses
                .into_iter()
                .flat_map(|(token, (integration, by_ip))| {
                    by_ip.into_iter().map(move |(ip, seen)| Seen {
                        token,
                        integration,
                        ip,
                        first: seen.first,
                        last: seen.last,
                        requests: seen.requests,
                    })
                })
                .collect(),
        }
    }

    /// Puts back a batch that could not be written, merged with what came since.
    fn restore(&self, batch: Batch) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        for (token, at, ip) in batch.last_use {
            pending.used(token, at, &ip);
        }
        for (call, times) in batch.calls {
            *pending.calls.entry(call).or_insert(0) += times;
        }
        for seen in batch.addresses {
            let (_, by_ip) =
                pending.addresses.entry(seen.token).or_insert_with(|| (seen.integration, HashMap::default()));
            let sighting = Sighting { first: seen.first, last: seen.last, requests: seen.requests };
            match by_ip.get_mut(&seen.ip) {
                Some(known) => known.add(sighting),
                None => {
                    by_ip.insert(seen.ip, sighting);
                    pending.address_count += 1;
                }
            }
        }
    }

    /// Writes everything pending in one transaction (the counts added to what is stored);
    /// on failure it is kept for the next attempt. Answers how many records were written.
    pub async fn flush(&self, app: &App) -> AppResult<usize> {
        let batch = Arc::new(self.take());
        if batch.is_empty() {
            return Ok(0);
        }
        let written = Arc::clone(&batch);
        let outcome = app
            .write(move |conn| {
                for (token, at, ip) in &written.last_use {
                    db::integrations::record_use(conn, *token, *at, ip)?;
                }
                db::usage::add_calls(conn, &written.calls)?;
                db::usage::add_addresses(conn, &written.addresses)?;
                Ok(written.last_use.len() + written.calls.len() + written.addresses.len())
            })
            .await;
        match outcome {
            Ok(_) => self.weekly.lock().unwrap_or_else(PoisonError::into_inner).clear(),
            Err(_) => {
                if let Ok(batch) = Arc::try_unwrap(batch) {
                    self.restore(batch);
                }
            }
        }
        outcome
    }
}

/// One integration's usage over the last 30 days; not found for anyone who may not
/// manage it.
#[tracing::instrument(skip_all, fields(%id))]
pub async fn report(app: &App, by: &Requester, context: Context, id: IntegrationId) -> AppResult<Report> {
    super::integrations::allowed(by, context)?;
    let owner = Owner::of(context);
    let now = app.clock.now();
    let first = usage::first_day(now, usage::REPORT_DAYS);
    let since = first.and_time(chrono::NaiveTime::MIN).and_utc();
    let (summed, last_24_hours, daily, addresses) = app
        .read(move |conn| {
            // Not found unless it is the context's own.
            db::integrations::find(conn, owner, id)?;
            Ok((
                db::usage::summed(conn, id, since)?,
                db::usage::requests_after(conn, id, now - Duration::hours(24))?,
                db::usage::daily(conn, id, first)?,
                db::usage::addresses(conn, id, usage::REPORT_ADDRESSES)?,
            ))
        })
        .await?;
    Ok(Report::of(&summed, last_24_hours, &daily, addresses, now))
}

/// Deletes usage older than `USAGE_RETENTION_DAYS`, unless another instance is doing it:
/// how many rows (counts, addresses), or `None` when it was left to another instance.
#[tracing::instrument(skip_all)]
pub async fn prune(app: &App) -> AppResult<Option<(usize, usize)>> {
    let before = usage::hour_of(app.clock.now() - app.config.usage_retention);
    let pruned = app.write(move |conn| Ok(db::usage::prune(conn, before)?)).await?;
    if let Some((hourly, addresses)) = pruned
        && hourly + addresses > 0
    {
        tracing::info!(hourly, addresses, "old API usage pruned");
    }
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u128) -> (TokenId, IntegrationId) {
        (TokenId(uuid::Uuid::from_u128(n)), IntegrationId(uuid::Uuid::from_u128(n + 1000)))
    }

    #[test]
    fn new_addresses_wait_for_the_next_flush_once_too_many_are_pending() {
        let recorder = UsageRecorder::default();
        let (token, integration) = ids(1);
        let at = DateTime::<Utc>::UNIX_EPOCH;
        for n in 0..MAX_PENDING_ADDRESSES + 10 {
            recorder.presented(token, integration, at, &format!("10.0.{}.{}", n / 256, n % 256), true);
        }
        // A known address still counts.
        recorder.presented(token, integration, at, "10.0.0.0", true);
        let batch = recorder.take();
        assert_eq!(batch.addresses.len(), MAX_PENDING_ADDRESSES);
        let first = batch.addresses.iter().find(|seen| seen.ip == "10.0.0.0").map(|seen| seen.requests);
        assert_eq!(first, Some(2));
        assert_eq!(recorder.take().addresses.len(), 0, "the count starts again after a flush");
    }

    #[test]
    fn a_batch_put_back_merges_with_what_came_since() {
        let recorder = UsageRecorder::default();
        let (token, integration) = ids(1);
        let early = DateTime::<Utc>::UNIX_EPOCH;
        let late = early + Duration::minutes(5);
        let call = Call {
            token,
            integration,
            hour: usage::hour_of(early),
            endpoint: usage::Endpoint { method: "GET", prefix: "/v2/users", path: "" },
            scope: Some("users.readonly"),
            outcome: usage::Outcome::Success,
        };
        recorder.presented(token, integration, early, "203.0.113.7", true);
        recorder.answered(call);
        let failed = recorder.take();
        recorder.presented(token, integration, late, "203.0.113.7", true);
        recorder.answered(call);
        recorder.presented(token, integration, late, "198.51.100.4", false);
        recorder.restore(failed);

        let batch = recorder.take();
        assert_eq!(batch.last_use, [(token, late, "203.0.113.7".to_owned())], "the newest use wins");
        assert_eq!(batch.calls, [(call, 2)]);
        let mut seen: Vec<(String, u64, DateTime<Utc>, DateTime<Utc>)> =
            batch.addresses.into_iter().map(|seen| (seen.ip, seen.requests, seen.first, seen.last)).collect();
        seen.sort();
        assert_eq!(
            seen,
            [("198.51.100.4".to_owned(), 1, late, late), ("203.0.113.7".to_owned(), 2, early, late)]
        );
    }
}
