//! Usage insight (SPEC §9): what API calls are counted by, and the report an integration's
//! page shows. Counting happens in memory per instance (`app::usage`); these are the values
//! and the arithmetic.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Duration, DurationRound as _, NaiveDate, Utc};

use super::ids::{IntegrationId, TokenId};

/// How an API call ended, as the usage chart splits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// 1xx–3xx.
    Success,
    /// 401 or 403: no usable token, or not allowed.
    Denied,
    /// 429: over a rate limit.
    RateLimited,
    /// Any other error (404, 422, 5xx, …).
    Failed,
}

impl Outcome {
    /// Every outcome, in the order the page shows them.
    pub const ALL: [Self; 4] = [Self::Success, Self::Denied, Self::RateLimited, Self::Failed];

    /// The outcome of an answer with HTTP status `status`.
    pub fn of_status(status: u16) -> Self {
        match status {
            100..=399 => Self::Success,
            401 | 403 => Self::Denied,
            429 => Self::RateLimited,
            _ => Self::Failed,
        }
    }

    /// What the page calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Success => "Success",
            Self::Denied => "Denied (401/403)",
            Self::RateLimited => "Rate limited (429)",
            Self::Failed => "Other errors",
        }
    }

    /// Its place in [`Self::ALL`].
    pub fn index(self) -> usize {
        match self {
            Self::Success => 0,
            Self::Denied => 1,
            Self::RateLimited => 2,
            Self::Failed => 3,
        }
    }

    /// A column heading: one word.
    pub fn heading(self) -> &'static str {
        match self {
            Self::Success => "Success",
            Self::Denied => "Denied",
            Self::RateLimited => "Limited",
            Self::Failed => "Other",
        }
    }

    /// A short name for styles and ids.
    pub fn key(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Denied => "denied",
            Self::RateLimited => "rate-limited",
            Self::Failed => "failed",
        }
    }
}

/// An API route as usage names it: its method and pattern, never a path with its ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// `GET`, `POST`, ….
    pub method: &'static str,
    /// The route's fixed prefix (`/v2/locations`).
    pub prefix: &'static str,
    /// The rest of its pattern (`/{locationId}`), empty for a collection.
    pub path: &'static str,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}{}", self.method, self.prefix, self.path)
    }
}

/// One counted API call: who, when (the UTC hour), what, by which scope, how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Call {
    /// The token presented.
    pub token: TokenId,
    /// Its integration.
    pub integration: IntegrationId,
    /// The start of the UTC hour of the call.
    pub hour: DateTime<Utc>,
    /// The route.
    pub endpoint: Endpoint,
    /// The scope that granted it, if one was checked and held.
    pub scope: Option<&'static str>,
    /// How it ended.
    pub outcome: Outcome,
}

/// The start of the UTC hour of `at`.
pub fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::hours(1)).unwrap_or(at)
}

/// An integration's calls over the report's 30 days, summed per token, endpoint, scope and
/// outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summed {
    /// The token.
    pub token: TokenId,
    /// The route, as text.
    pub endpoint: String,
    /// The scope that granted the calls, if any.
    pub scope: Option<String>,
    /// How they ended.
    pub outcome: Outcome,
    /// How many.
    pub requests: i64,
}

/// An integration's calls on one UTC day with one outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Daily {
    /// The day.
    pub day: NaiveDate,
    /// How they ended.
    pub outcome: Outcome,
    /// How many.
    pub requests: i64,
}

/// The first UTC day of the last `days` days at `now` (today is the last of them).
pub fn first_day(now: DateTime<Utc>, days: i64) -> NaiveDate {
    now.date_naive() - Duration::days(days - 1)
}

/// A client address a token was used from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// The address.
    pub ip: String,
    /// First call seen from it (within the retention period).
    pub first_seen: DateTime<Utc>,
    /// Last call seen from it.
    pub last_seen: DateTime<Utc>,
    /// Calls from it.
    pub requests: i64,
}

/// The days the usage page covers.
pub const REPORT_DAYS: i64 = 30;

/// How many addresses and endpoints the page lists.
pub const REPORT_ADDRESSES: usize = 20;
/// See [`REPORT_ADDRESSES`].
pub const REPORT_ENDPOINTS: usize = 10;

/// An integration's usage over the last [`REPORT_DAYS`] days, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Calls in the last 24 hours (by the hour).
    pub last_24_hours: i64,
    /// Calls in the last 7 and 30 UTC days, today included: the sums of the chart's days.
    pub last_7_days: i64,
    /// See above.
    pub last_30_days: i64,
    /// Each UTC day of the last 30 (oldest first, today last), its calls per outcome in
    /// [`Outcome::ALL`] order.
    pub days: Vec<(NaiveDate, [i64; 4])>,
    /// The most called endpoints over 30 days, most first.
    pub endpoints: Vec<(String, i64)>,
    /// Calls per token over 30 days.
    pub tokens: BTreeMap<TokenId, i64>,
    /// Calls today (UTC), every token of the integration.
    pub today: i64,
    /// Scopes that granted a successful call in the last 30 days.
    pub used_scopes: BTreeSet<String>,
    /// The addresses the integration's tokens were used from, most recent first.
    pub addresses: Vec<Address>,
}

impl Report {
    /// The report at `now` from the integration's sums over the 30 days, its calls in the
    /// last 24 hours, its days and its addresses (most recent first).
    pub fn of(
        summed: &[Summed],
        last_24_hours: i64,
        daily: &[Daily],
        addresses: Vec<Address>,
        now: DateTime<Utc>,
    ) -> Self {
        let today = now.date_naive();
        let first = first_day(now, REPORT_DAYS);
        let mut days: Vec<(NaiveDate, [i64; 4])> =
            first.iter_days().take_while(|day| *day <= today).map(|day| (day, [0; 4])).collect();
        for count in daily {
            if let Some((_, outcomes)) = days.iter_mut().find(|(day, _)| *day == count.day) {
                outcomes[count.outcome.index()] += count.requests;
            }
        }
        let total =
            |days: &[(NaiveDate, [i64; 4])]| days.iter().flat_map(|(_, outcomes)| outcomes).sum::<i64>();
        let week = days.len().saturating_sub(7);
        let mut endpoints: BTreeMap<&str, i64> = BTreeMap::new();
        let mut tokens = BTreeMap::new();
        let mut used_scopes = BTreeSet::new();
        for sum in summed {
            *endpoints.entry(&sum.endpoint).or_default() += sum.requests;
            *tokens.entry(sum.token).or_default() += sum.requests;
            if sum.outcome == Outcome::Success
                && let Some(scope) = &sum.scope
            {
                used_scopes.insert(scope.clone());
            }
        }
        let mut endpoints: Vec<(String, i64)> =
            endpoints.into_iter().map(|(endpoint, requests)| (endpoint.to_owned(), requests)).collect();
        endpoints.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        endpoints.truncate(REPORT_ENDPOINTS);
        let mut addresses = addresses;
        addresses.truncate(REPORT_ADDRESSES);
        Self {
            last_24_hours,
            last_7_days: total(&days[week..]),
            last_30_days: total(&days),
            today: days.last().map_or(0, |(_, outcomes)| outcomes.iter().sum()),
            days,
            endpoints,
            tokens,
            used_scopes,
            addresses,
        }
    }

    /// Of `held` scopes, those no successful call used in the last 30 days, in order.
    pub fn unused_scopes<'a>(&self, held: &'a [String]) -> Vec<&'a str> {
        held.iter().map(String::as_str).filter(|scope| !self.used_scopes.contains(*scope)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-30T12:34:56Z").map(|at| at.to_utc()).unwrap_or_default()
    }

    fn daily(days_ago: i64, outcome: Outcome, requests: i64) -> Daily {
        Daily { day: now().date_naive() - Duration::days(days_ago), outcome, requests }
    }

    fn summed(endpoint: &str, scope: Option<&str>, outcome: Outcome, requests: i64) -> Summed {
        Summed {
            token: TokenId(uuid::Uuid::nil()),
            endpoint: endpoint.to_owned(),
            scope: scope.map(str::to_owned),
            outcome,
            requests,
        }
    }

    #[test]
    fn statuses_become_outcomes() {
        assert_eq!(Outcome::of_status(200), Outcome::Success);
        assert_eq!(Outcome::of_status(204), Outcome::Success);
        assert_eq!(Outcome::of_status(401), Outcome::Denied);
        assert_eq!(Outcome::of_status(403), Outcome::Denied);
        assert_eq!(Outcome::of_status(429), Outcome::RateLimited);
        assert_eq!(Outcome::of_status(404), Outcome::Failed);
        assert_eq!(Outcome::of_status(500), Outcome::Failed);
        for (index, outcome) in Outcome::ALL.iter().enumerate() {
            assert_eq!(outcome.index(), index);
        }
    }

    #[test]
    fn hours_start_on_the_hour() {
        assert_eq!(hour_of(now()).to_rfc3339(), "2026-11-30T12:00:00+00:00");
    }

    #[test]
    fn the_report_sums_days_by_outcome_and_windows_of_days() {
        let days = [
            daily(0, Outcome::Success, 5),
            daily(0, Outcome::Denied, 2),
            daily(1, Outcome::RateLimited, 3),
            daily(6, Outcome::Success, 1),
            daily(7, Outcome::Success, 7),
            daily(30, Outcome::Success, 100),
        ];
        let report = Report::of(&[], 9, &days, Vec::new(), now());
        assert_eq!((report.last_24_hours, report.last_7_days, report.last_30_days), (9, 11, 18));
        assert_eq!(report.days.len(), 30);
        assert_eq!(report.days.first().map(|(day, _)| *day), Some(first_day(now(), 30)));
        assert_eq!(report.days.last(), Some(&(now().date_naive(), [5, 2, 0, 0])));
        assert_eq!(report.today, 7);
        assert_eq!(report.days[28].1, [0, 0, 3, 0]);
    }

    #[test]
    fn endpoints_rank_by_calls_and_tokens_add_up() {
        let sums = [
            summed("GET /v2/users", Some("users.readonly"), Outcome::Success, 2),
            summed("GET /v2/oauth/token-info", None, Outcome::Success, 2),
            summed("GET /v2/locations/{locationId}", Some("locations.readonly"), Outcome::Success, 3),
            summed("GET /v2/users", None, Outcome::Denied, 4),
        ];
        let report = Report::of(&sums, 0, &[], Vec::new(), now());
        assert_eq!(
            report.endpoints,
            [
                ("GET /v2/users".to_owned(), 6),
                ("GET /v2/locations/{locationId}".to_owned(), 3),
                ("GET /v2/oauth/token-info".to_owned(), 2),
            ]
        );
        assert_eq!(report.tokens.values().copied().collect::<Vec<_>>(), [11]);
    }

    #[test]
    fn a_scope_counts_as_used_only_by_a_success() {
        let sums = [
            summed("GET /v2/locations", Some("locations.readonly"), Outcome::Success, 1),
            summed("POST /v2/users", Some("users.write"), Outcome::Failed, 1),
        ];
        let report = Report::of(&sums, 0, &[], Vec::new(), now());
        let held = ["locations.readonly".to_owned(), "users.write".to_owned()];
        assert_eq!(report.unused_scopes(&held), vec!["users.write"]);
    }
}
