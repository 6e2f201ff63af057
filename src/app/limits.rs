//! Rate limits (SPEC §4): a burst limit per integration (not per token, so a rotation keeps
//! the counter), 100 requests per 10 s by default, and a daily limit shared by every
//! integration of one agency or sub-account, 200,000 by default. Fixed windows, counted
//! in Redis when `REDIS_URL` is set (so several instances enforce one limit), otherwise
//! in this process. If Redis cannot be reached, the instance counts on its own rather
//! than refusing every call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use uuid::Uuid;

pub use crate::config::RateLimits as Limits;

/// Where a request stands against the limits; becomes the `X-RateLimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The limits.
    pub limits: Limits,
    /// Requests left in this burst interval.
    pub remaining: u64,
    /// Requests left today.
    pub daily_remaining: u64,
    /// Whether this request is over a limit.
    pub exceeded: bool,
}

impl Standing {
    /// The `X-RateLimit-*` headers of a response.
    pub fn headers(self) -> [(&'static str, String); 5] {
        [
            ("x-ratelimit-limit-daily", self.limits.daily.to_string()),
            ("x-ratelimit-daily-remaining", self.daily_remaining.to_string()),
            ("x-ratelimit-interval-milliseconds", self.limits.interval_ms.to_string()),
            ("x-ratelimit-max", self.limits.burst.to_string()),
            ("x-ratelimit-remaining", self.remaining.to_string()),
        ]
    }
}

/// Counts requests in fixed windows: in Redis if configured, else in this process.
#[derive(Clone)]
pub struct RateLimiter {
    limits: Limits,
    windows: Arc<Mutex<HashMap<(Uuid, i64), u64>>>,
    redis: Option<redis::aio::ConnectionManager>,
}

impl RateLimiter {
    /// A limiter counting in this process.
    pub fn new(limits: Limits) -> Self {
        Self { limits, windows: Arc::new(Mutex::new(HashMap::new())), redis: None }
    }

    /// A limiter counting in Redis, shared by every instance using the same server.
    pub async fn with_redis(limits: Limits, url: &str) -> anyhow::Result<Self> {
        let client =
            redis::Client::open(url).map_err(|error| anyhow::anyhow!("REDIS_URL is invalid: {error}"))?;
        let manager = redis::aio::ConnectionManager::new(client)
            .await
            .map_err(|error| anyhow::anyhow!("cannot reach Redis at REDIS_URL: {error}"))?;
        Ok(Self { redis: Some(manager), ..Self::new(limits) })
    }

    /// Counts one request of `integration` (owned by `owner`) at `now`.
    pub async fn hit(&self, integration: Uuid, owner: Uuid, now: DateTime<Utc>) -> Standing {
        if let Some(redis) = &self.redis {
            match self.hit_redis(redis.clone(), integration, owner, now).await {
                Ok(standing) => return standing,
                Err(error) => tracing::warn!(%error, "rate limiting in Redis failed; counting locally"),
            }
        }
        self.hit_local(integration, owner, now)
    }

    fn windows(&self, now: DateTime<Utc>) -> (i64, i64) {
        let burst_window = now.timestamp_millis().div_euclid(self.limits.interval_ms);
        // Day numbers are negative so they never collide with burst windows of the same id.
        let day = -(now.timestamp().div_euclid(86_400) + 1);
        (burst_window, day)
    }

    async fn hit_redis(
        &self,
        mut redis: redis::aio::ConnectionManager,
        integration: Uuid,
        owner: Uuid,
        now: DateTime<Utc>,
    ) -> redis::RedisResult<Standing> {
        let (burst_window, day) = self.windows(now);
        let burst_key = format!("pi:rate:burst:{integration}:{burst_window}");
        let daily_key = format!("pi:rate:daily:{owner}:{day}");
        let (burst, daily): (u64, u64) = redis::pipe()
            .atomic()
            .incr(&burst_key, 1)
            .pexpire(&burst_key, self.limits.interval_ms * 2)
            .ignore()
            .incr(&daily_key, 1)
            .expire(&daily_key, 2 * 86_400)
            .ignore()
            .query_async(&mut redis)
            .await?;
        Ok(self.standing(burst, daily))
    }

    fn standing(&self, burst: u64, daily: u64) -> Standing {
        Standing {
            limits: self.limits,
            remaining: self.limits.burst.saturating_sub(burst),
            daily_remaining: self.limits.daily.saturating_sub(daily),
            exceeded: burst > self.limits.burst || daily > self.limits.daily,
        }
    }

    fn hit_local(&self, integration: Uuid, owner: Uuid, now: DateTime<Utc>) -> Standing {
        let (burst_window, day) = self.windows(now);
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() > 100_000 {
            windows.retain(|(_, window), _| *window == day || *window >= burst_window - 1);
        }
        let burst = windows.entry((integration, burst_window)).or_insert(0);
        *burst += 1;
        let burst = *burst;
        let daily = windows.entry((owner, day)).or_insert(0);
        *daily += 1;
        let daily = *daily;
        self.standing(burst, daily)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone as _};

    use super::*;

    const LIMITS: Limits = Limits { burst: 3, interval_ms: 10_000, daily: 5 };

    #[test]
    fn the_burst_window_resets_and_the_daily_one_is_shared_by_the_owner() {
        let limiter = RateLimiter::new(LIMITS);
        let start = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().expect("date");
        let (first, second, owner) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(9));
        let standings: Vec<Standing> = (0..4).map(|_| limiter.hit_local(first, owner, start)).collect();
        assert_eq!(standings.iter().map(|s| s.remaining).collect::<Vec<_>>(), [2, 1, 0, 0]);
        assert!(!standings[2].exceeded && standings[3].exceeded);
        let later = start + Duration::seconds(10);
        let next = limiter.hit_local(first, owner, later);
        assert!(!next.exceeded && next.remaining == 2, "a new interval");
        assert_eq!(next.daily_remaining, 0, "five requests today");
        assert!(limiter.hit_local(second, owner, later).exceeded, "the daily limit is the owner's");
        assert!(!limiter.hit_local(second, owner, start + Duration::days(1)).exceeded, "a new day");
    }
}
