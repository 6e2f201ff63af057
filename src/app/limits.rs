//! Rate limits (SPEC §4): a burst limit per integration (not per token, so a rotation keeps
//! the counter), 100 requests per 10 s by default, and a daily limit shared by every
//! integration of one agency or sub-account, 200,000 by default.
//!
//! The burst limit is a sliding window: the times of an integration's accepted requests
//! within the last `interval` are kept, and a request is refused while `burst` of them are
//! there. No window of `interval`, wherever it starts, lets more than `burst` requests
//! through (fixed windows allow twice the limit across a window's edge). A refusal says
//! when the oldest request leaves the window (`Retry-After`). The daily limit counts per
//! UTC day.
//!
//! Counted in Redis when `REDIS_URL` is set (a sorted set per integration, changed by one
//! Lua script, so several instances enforce one limit atomically), otherwise in this
//! process. If Redis cannot be reached, the
//! instance counts on its own rather than refusing every call.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::FastHash;

pub use crate::config::RateLimits as Limits;

/// Where a request stands against the limits; becomes the `X-RateLimit-*` headers (and
/// `Retry-After` when refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The limits.
    pub limits: Limits,
    /// Requests that could be made at once right now.
    pub remaining: u64,
    /// Requests left today.
    pub daily_remaining: u64,
    /// Whether this request is over a limit.
    pub exceeded: bool,
    /// When refused: seconds until a request would be accepted.
    pub retry_after: u64,
}

impl Standing {
    /// The names of the `X-RateLimit-*` headers of a response, in [`Self::headers`]' order.
    pub const HEADERS: [&'static str; 5] = [
        "x-ratelimit-limit-daily",
        "x-ratelimit-daily-remaining",
        "x-ratelimit-interval-milliseconds",
        "x-ratelimit-max",
        "x-ratelimit-remaining",
    ];

    /// The values of the `X-RateLimit-*` headers named by [`Self::HEADERS`], as numbers (the
    /// API formats them).
    pub fn headers(self) -> [u64; 5] {
        [
            self.limits.daily,
            self.daily_remaining,
            u64::try_from(self.limits.interval_ms).unwrap_or(0),
            self.limits.burst,
            self.remaining,
        ]
    }
}

/// Counts requests: in Redis if configured, else in this process.
#[derive(Clone)]
pub struct RateLimiter {
    limits: Limits,
    local: Arc<Mutex<Local>>,
    redis: Option<redis::aio::ConnectionManager>,
}

#[derive(Default)]
struct Local {
    /// Accepted requests per integration within the last interval, µs, oldest first.
    windows: HashMap<Uuid, VecDeque<i64>, FastHash>,
    /// Requests per (owner, UTC day).
    days: HashMap<(Uuid, i64), u64, FastHash>,
}

/// The Redis side of [`RateLimiter::hit`]: the sliding window and the day's count,
/// atomically. Answers (accepted, requests in the window, µs until the oldest leaves it,
/// requests today).
const SCRIPT: &str = r"
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - interval)
local count = redis.call('ZCARD', KEYS[1])
if count < burst then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.floor(interval / 1000) + 1000)
  local daily = redis.call('INCR', KEYS[2])
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[5]))
  return {1, count + 1, 0, daily}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, count, tonumber(oldest[2]) + interval - now, tonumber(redis.call('GET', KEYS[2]) or 0)}
";

impl RateLimiter {
    /// A limiter counting in this process.
    pub fn new(limits: Limits) -> Self {
        Self { limits, local: Arc::default(), redis: None }
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

    async fn hit_redis(
        &self,
        mut redis: redis::aio::ConnectionManager,
        integration: Uuid,
        owner: Uuid,
        now: DateTime<Utc>,
    ) -> redis::RedisResult<Standing> {
        let day = now.timestamp().div_euclid(86_400);
        let (accepted, count, wait, daily): (i64, u64, i64, u64) = redis::Script::new(SCRIPT)
            .key(format!("pi:rate:window:{integration}"))
            .key(format!("pi:rate:daily:{owner}:{day}"))
            .arg(now.timestamp_micros())
            .arg(self.interval_micros())
            .arg(self.limits.burst)
            .arg(format!("{}-{}", now.timestamp_micros(), super::random::base62(8)))
            .arg(2 * 86_400)
            .invoke_async(&mut redis)
            .await?;
        Ok(self.standing(accepted == 1, count, wait, daily, now))
    }

    fn interval_micros(&self) -> i64 {
        self.limits.interval_ms.saturating_mul(1000)
    }

    fn hit_local(&self, integration: Uuid, owner: Uuid, now: DateTime<Utc>) -> Standing {
        let micros = now.timestamp_micros();
        let interval = self.interval_micros();
        let day = now.timestamp().div_euclid(86_400);
        let mut local = self.local.lock().unwrap_or_else(PoisonError::into_inner);
        if local.windows.len() > 100_000 {
            local.windows.retain(|_, times| times.back().is_some_and(|last| *last > micros - interval));
            local.days.retain(|(_, counted), _| *counted >= day - 1);
        }
        let window = local.windows.entry(integration).or_default();
        while window.front().is_some_and(|oldest| *oldest <= micros - interval) {
            window.pop_front();
        }
        let burst = usize::try_from(self.limits.burst).unwrap_or(usize::MAX);
        if window.len() >= burst {
            let wait = window.front().map_or(0, |oldest| oldest + interval - micros);
            let count = window.len() as u64;
            let daily = local.days.get(&(owner, day)).copied().unwrap_or(0);
            return self.standing(false, count, wait, daily, now);
        }
        window.push_back(micros);
        let count = window.len() as u64;
        let daily = local.days.entry((owner, day)).or_insert(0);
        *daily += 1;
        let daily = *daily;
        self.standing(true, count, 0, daily, now)
    }

    /// The standing of a request: `accepted` by the window (which now holds `count`; a
    /// refused one waits `wait` µs), with `daily` requests today.
    fn standing(&self, accepted: bool, count: u64, wait: i64, daily: u64, now: DateTime<Utc>) -> Standing {
        let over_daily = daily > self.limits.daily;
        let wait_micros = if !accepted {
            wait
        } else if over_daily {
            let tomorrow = (now.timestamp().div_euclid(86_400) + 1) * 86_400;
            (tomorrow - now.timestamp()) * 1_000_000
        } else {
            0
        };
        let exceeded = !accepted || over_daily;
        Standing {
            limits: self.limits,
            remaining: self.limits.burst.saturating_sub(count),
            daily_remaining: self.limits.daily.saturating_sub(daily),
            exceeded,
            retry_after: if exceeded {
                u64::try_from(wait_micros).unwrap_or(0).div_ceil(1_000_000).max(1)
            } else {
                0
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone as _};

    use super::*;

    const LIMITS: Limits = Limits { burst: 3, interval_ms: 10_000, daily: 5 };

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().expect("date")
    }

    #[test]
    fn a_burst_is_allowed_then_refused_until_the_oldest_request_leaves_the_window() {
        let limiter = RateLimiter::new(LIMITS);
        let (first, owner) = (Uuid::from_u128(1), Uuid::from_u128(9));
        let standings: Vec<Standing> =
            (0..4).map(|step| limiter.hit_local(first, owner, start() + Duration::seconds(step))).collect();
        assert_eq!(standings.iter().map(|s| s.remaining).collect::<Vec<_>>(), [2, 1, 0, 0]);
        assert!(!standings[2].exceeded && standings[3].exceeded);
        assert_eq!(standings[3].retry_after, 7, "the first request leaves the window at 10 s");
        assert!(limiter.hit_local(first, owner, start() + Duration::milliseconds(9_999)).exceeded);
        assert!(!limiter.hit_local(first, owner, start() + Duration::seconds(10)).exceeded);
    }

    #[test]
    fn no_window_lets_more_than_the_burst_through_even_across_an_edge() {
        let limiter = RateLimiter::new(Limits { burst: 10, interval_ms: 1_000, daily: 1_000_000 });
        let (integration, owner) = (Uuid::from_u128(1), Uuid::from_u128(9));
        // A request every 10 ms for 3 s: in every 1 s window, at most 10 are accepted,
        // where fixed windows allow 20 around an edge.
        let accepted: Vec<i64> = (0..300)
            .map(|step| start() + Duration::milliseconds(step * 10))
            .filter(|at| !limiter.hit_local(integration, owner, *at).exceeded)
            .map(|at| at.timestamp_millis())
            .collect();
        for (index, &at) in accepted.iter().enumerate() {
            let in_window = accepted[index..].iter().take_while(|&&later| later < at + 1_000).count();
            assert!(in_window <= 10, "{in_window} requests within 1 s of {at}");
        }
    }

    #[test]
    fn the_daily_limit_is_the_owners_and_resets_at_midnight() {
        let limiter = RateLimiter::new(Limits { burst: 100, interval_ms: 10_000, daily: 5 });
        let (first, second, owner) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(9));
        for _ in 0..5 {
            assert!(!limiter.hit_local(first, owner, start()).exceeded);
        }
        let refused = limiter.hit_local(second, owner, start());
        assert!(refused.exceeded, "the daily limit is the owner's");
        assert_eq!(refused.retry_after, 12 * 3600, "until midnight UTC");
        assert!(!limiter.hit_local(second, owner, start() + Duration::days(1)).exceeded, "a new day");
    }
}
