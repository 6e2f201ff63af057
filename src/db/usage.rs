//! Usage counts: added in batches (one statement per table and batch, summed into what
//! other instances added), read per integration, pruned by age.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

use super::schema::{usage_addresses, usage_daily, usage_hourly};
use crate::domain::ids::{IntegrationId, TokenId};
use crate::domain::integration::Owner;
use crate::domain::usage::{Address, Call, Daily, Outcome, Summed};

/// Stored outcomes, as the CHECK constraint lists them.
fn outcome_text(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Success => "success",
        Outcome::Denied => "denied",
        Outcome::RateLimited => "rate_limited",
        Outcome::Failed => "failed",
    }
}

fn outcome_of(text: &str) -> Outcome {
    match text {
        "success" => Outcome::Success,
        "denied" => Outcome::Denied,
        "rate_limited" => Outcome::RateLimited,
        _ => Outcome::Failed,
    }
}

/// Adds `calls` (each with how many times it was made) to the hourly and the daily counts.
/// Calls of a token that no longer exists are dropped. Rows are written in key order, so
/// that instances flushing at once wait for each other instead of deadlocking.
pub fn add_calls(conn: &mut PgConnection, calls: &[(Call, u64)]) -> QueryResult<usize> {
    add_hourly(conn, calls)?;
    add_daily(conn, calls)
}

fn add_hourly(conn: &mut PgConnection, calls: &[(Call, u64)]) -> QueryResult<usize> {
    let mut sorted: Vec<&(Call, u64)> = calls.iter().collect();
    sorted.sort_by_key(|(call, _)| (call.token, call.hour));
    let tokens: Vec<Uuid> = sorted.iter().map(|(call, _)| call.token.0).collect();
    let integrations: Vec<Uuid> = sorted.iter().map(|(call, _)| call.integration.0).collect();
    let hours: Vec<DateTime<Utc>> = sorted.iter().map(|(call, _)| call.hour).collect();
    let endpoints: Vec<String> = sorted.iter().map(|(call, _)| call.endpoint.to_string()).collect();
    let scopes: Vec<&str> = sorted.iter().map(|(call, _)| call.scope.unwrap_or("")).collect();
    let outcomes: Vec<&str> = sorted.iter().map(|(call, _)| outcome_text(call.outcome)).collect();
    let requests: Vec<i64> =
        sorted.iter().map(|(_, times)| i64::try_from(*times).unwrap_or(i64::MAX)).collect();
    diesel::sql_query(
        "INSERT INTO usage_hourly (token_id, integration_id, hour, endpoint, scope, outcome, requests) \
         SELECT u.token_id, u.integration_id, u.hour, u.endpoint, u.scope, u.outcome, u.requests \
         FROM unnest($1, $2, $3, $4, $5, $6, $7) \
           AS u(token_id, integration_id, hour, endpoint, scope, outcome, requests) \
         WHERE EXISTS (SELECT 1 FROM integration_tokens t WHERE t.id = u.token_id) \
         ORDER BY u.token_id, u.hour, u.endpoint, u.scope, u.outcome \
         ON CONFLICT (token_id, hour, endpoint, scope, outcome) \
         DO UPDATE SET requests = usage_hourly.requests + excluded.requests",
    )
    .bind::<Array<SqlUuid>, _>(tokens)
    .bind::<Array<SqlUuid>, _>(integrations)
    .bind::<Array<Timestamptz>, _>(hours)
    .bind::<Array<Text>, _>(endpoints)
    .bind::<Array<Text>, _>(scopes)
    .bind::<Array<Text>, _>(outcomes)
    .bind::<Array<BigInt>, _>(requests)
    .execute(conn)
}

fn add_daily(conn: &mut PgConnection, calls: &[(Call, u64)]) -> QueryResult<usize> {
    let mut days: HashMap<(Uuid, NaiveDate, &'static str), i64> = HashMap::new();
    for (call, times) in calls {
        let key = (call.integration.0, call.hour.date_naive(), outcome_text(call.outcome));
        *days.entry(key).or_insert(0) += i64::try_from(*times).unwrap_or(i64::MAX);
    }
    let mut days: Vec<_> = days.into_iter().collect();
    days.sort_unstable();
    diesel::sql_query(
        "INSERT INTO usage_daily (integration_id, day, outcome, requests) \
         SELECT u.integration_id, u.day, u.outcome, u.requests \
         FROM unnest($1, $2, $3, $4) AS u(integration_id, day, outcome, requests) \
         WHERE EXISTS (SELECT 1 FROM integrations i WHERE i.id = u.integration_id) \
         ORDER BY u.integration_id, u.day, u.outcome \
         ON CONFLICT (integration_id, day, outcome) \
         DO UPDATE SET requests = usage_daily.requests + excluded.requests",
    )
    .bind::<Array<SqlUuid>, _>(days.iter().map(|((integration, ..), _)| *integration).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(days.iter().map(|((_, day, _), _)| *day).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(days.iter().map(|((.., outcome), _)| *outcome).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(days.iter().map(|(_, requests)| *requests).collect::<Vec<_>>())
    .execute(conn)
}

/// Calls from one client address with one token since the last flush.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The token.
    pub token: TokenId,
    /// Its integration.
    pub integration: IntegrationId,
    /// The address.
    pub ip: String,
    /// The first and the last call.
    pub first: DateTime<Utc>,
    /// See above.
    pub last: DateTime<Utc>,
    /// How many calls.
    pub requests: u64,
}

/// Adds `seen` to the addresses each token was used from (dropping tokens that no longer
/// exist), in key order as [`add_calls`] does.
pub fn add_addresses(conn: &mut PgConnection, seen: &[Seen]) -> QueryResult<usize> {
    let mut sorted: Vec<&Seen> = seen.iter().collect();
    sorted.sort_by(|a, b| (a.token, &a.ip).cmp(&(b.token, &b.ip)));
    diesel::sql_query(
        "INSERT INTO usage_addresses (token_id, integration_id, ip, first_seen, last_seen, requests) \
         SELECT u.token_id, u.integration_id, u.ip, u.first_seen, u.last_seen, u.requests \
         FROM unnest($1, $2, $3, $4, $5, $6) \
           AS u(token_id, integration_id, ip, first_seen, last_seen, requests) \
         WHERE EXISTS (SELECT 1 FROM integration_tokens t WHERE t.id = u.token_id) \
         ORDER BY u.token_id, u.ip \
         ON CONFLICT (token_id, ip) DO UPDATE SET \
           first_seen = least(usage_addresses.first_seen, excluded.first_seen), \
           last_seen = greatest(usage_addresses.last_seen, excluded.last_seen), \
           requests = usage_addresses.requests + excluded.requests",
    )
    .bind::<Array<SqlUuid>, _>(sorted.iter().map(|seen| seen.token.0).collect::<Vec<_>>())
    .bind::<Array<SqlUuid>, _>(sorted.iter().map(|seen| seen.integration.0).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(sorted.iter().map(|seen| seen.ip.as_str()).collect::<Vec<_>>())
    .bind::<Array<Timestamptz>, _>(sorted.iter().map(|seen| seen.first).collect::<Vec<_>>())
    .bind::<Array<Timestamptz>, _>(sorted.iter().map(|seen| seen.last).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(
        sorted.iter().map(|seen| i64::try_from(seen.requests).unwrap_or(i64::MAX)).collect::<Vec<_>>(),
    )
    .execute(conn)
}

#[derive(QueryableByName)]
struct SummedRow {
    #[diesel(sql_type = SqlUuid)]
    token_id: Uuid,
    #[diesel(sql_type = Text)]
    endpoint: String,
    #[diesel(sql_type = Text)]
    scope: String,
    #[diesel(sql_type = Text)]
    outcome: String,
    #[diesel(sql_type = BigInt)]
    requests: i64,
}

/// An integration's calls in the hours from `since` on, summed per token, endpoint, scope
/// and outcome.
pub fn summed(
    conn: &mut PgConnection,
    integration: IntegrationId,
    since: DateTime<Utc>,
) -> QueryResult<Vec<Summed>> {
    let rows: Vec<SummedRow> = diesel::sql_query(
        "SELECT token_id, endpoint, scope, outcome, sum(requests)::int8 AS requests FROM usage_hourly \
         WHERE integration_id = $1 AND hour >= $2 GROUP BY token_id, endpoint, scope, outcome",
    )
    .bind::<SqlUuid, _>(integration.0)
    .bind::<Timestamptz, _>(since)
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| Summed {
            token: TokenId(row.token_id),
            endpoint: row.endpoint,
            scope: (!row.scope.is_empty()).then_some(row.scope),
            outcome: outcome_of(&row.outcome),
            requests: row.requests,
        })
        .collect())
}

/// An integration's calls in the hours that started after `after`.
pub fn requests_after(
    conn: &mut PgConnection,
    integration: IntegrationId,
    after: DateTime<Utc>,
) -> QueryResult<i64> {
    let total: Option<i64> = usage_hourly::table
        .filter(usage_hourly::integration_id.eq(integration))
        .filter(usage_hourly::hour.gt(after))
        .select(diesel::dsl::sql::<diesel::sql_types::Nullable<BigInt>>("sum(requests)::int8"))
        .first(conn)?;
    Ok(total.unwrap_or(0))
}

/// An integration's calls per day and outcome from `first` on.
pub fn daily(
    conn: &mut PgConnection,
    integration: IntegrationId,
    first: NaiveDate,
) -> QueryResult<Vec<Daily>> {
    let rows: Vec<(NaiveDate, String, i64)> = usage_daily::table
        .filter(usage_daily::integration_id.eq(integration))
        .filter(usage_daily::day.ge(first))
        .select((usage_daily::day, usage_daily::outcome, usage_daily::requests))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(day, outcome, requests)| Daily { day, outcome: outcome_of(&outcome), requests })
        .collect())
}

#[derive(QueryableByName)]
struct AddressRow {
    #[diesel(sql_type = Text)]
    ip: String,
    #[diesel(sql_type = Timestamptz)]
    first_seen: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    last_seen: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    requests: i64,
}

/// The addresses an integration's tokens were used from, most recently seen first, at
/// most `limit`.
pub fn addresses(
    conn: &mut PgConnection,
    integration: IntegrationId,
    limit: usize,
) -> QueryResult<Vec<Address>> {
    let rows: Vec<AddressRow> = diesel::sql_query(
        "SELECT ip, min(first_seen) AS first_seen, max(last_seen) AS last_seen, sum(requests)::int8 AS requests \
         FROM usage_addresses WHERE integration_id = $1 \
         GROUP BY ip ORDER BY max(last_seen) DESC, ip LIMIT $2",
    )
    .bind::<SqlUuid, _>(integration.0)
    .bind::<BigInt, _>(i64::try_from(limit).unwrap_or(i64::MAX))
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| Address {
            ip: row.ip,
            first_seen: row.first_seen,
            last_seen: row.last_seen,
            requests: row.requests,
        })
        .collect())
}

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = SqlUuid)]
    integration_id: Uuid,
    #[diesel(sql_type = BigInt)]
    requests: i64,
}

/// Calls per live integration of `owner` on the days from `first` on (integrations without
/// any are absent).
pub fn totals_since(
    conn: &mut PgConnection,
    owner: Owner,
    first: NaiveDate,
) -> QueryResult<HashMap<IntegrationId, i64>> {
    let rows: Vec<Total> = diesel::sql_query(
        "SELECT d.integration_id, sum(d.requests)::int8 AS requests \
         FROM integrations i JOIN usage_daily d ON d.integration_id = i.id AND d.day >= $3 \
         WHERE i.agency_id = $1 AND i.sub_account_id IS NOT DISTINCT FROM $2 AND i.deleted_at IS NULL \
         GROUP BY d.integration_id",
    )
    .bind::<SqlUuid, _>(owner.agency_id.0)
    .bind::<diesel::sql_types::Nullable<SqlUuid>, _>(owner.sub_account_id.map(|sub| sub.0))
    .bind::<Date, _>(first)
    .load(conn)?;
    Ok(rows.into_iter().map(|row| (IntegrationId(row.integration_id), row.requests)).collect())
}

/// Names the "pruning usage" advisory lock.
pub const PRUNE_LOCK: i64 = 0x7573_6167_6500; // "usage"

/// Deletes counts from hours (and days) before `before` and addresses last seen before it:
/// how many rows of hourly counts and of addresses, or `None` if another instance is
/// pruning now. Runs in the caller's
/// transaction, whose advisory lock keeps a second instance out until it ends.
pub fn prune(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<Option<(usize, usize)>> {
    if !super::try_transaction_lock(conn, PRUNE_LOCK)? {
        return Ok(None);
    }
    let hourly = diesel::delete(usage_hourly::table.filter(usage_hourly::hour.lt(before))).execute(conn)?;
    diesel::delete(usage_daily::table.filter(usage_daily::day.lt(before.date_naive()))).execute(conn)?;
    let addresses =
        diesel::delete(usage_addresses::table.filter(usage_addresses::last_seen.lt(before))).execute(conn)?;
    Ok(Some((hourly, addresses)))
}
