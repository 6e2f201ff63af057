//! Configuration from the environment (and a `.env` file), typed and validated once at
//! start-up so that a mistake is reported with the variable's name before anything runs.

use std::net::SocketAddr;
use std::time::Duration;

use secrecy::SecretString;

/// The default database when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@localhost:5432/private_integrations";
/// The default listening address when `BIND` is not set.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// The largest request body accepted (forms and API bodies are small).
pub const BODY_LIMIT: usize = 64 * 1024;

/// API rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Requests per interval per integration.
    pub burst: u64,
    /// The burst interval, in milliseconds.
    pub interval_ms: i64,
    /// Requests per UTC day per agency or sub-account.
    pub daily: u64,
}

/// Everything the server needs to know about its deployment.
#[derive(Debug, Clone)]
pub struct Config {
    /// PostgreSQL connection URL (`DATABASE_URL`).
    pub database_url: String,
    /// Address to listen on (`BIND`).
    pub bind: SocketAddr,
    /// The origin users reach the app at (`PUBLIC_URL`), e.g. `https://pi.example.com`.
    /// Used for links printed to the console and for the CSRF Origin check.
    pub public_url: String,
    /// Whether the app is served over TLS (derived from `PUBLIC_URL`): secure cookies
    /// with a `__Host-` name, and HSTS.
    pub tls: bool,
    /// Server secret (`SECRET_KEY`): keys token digests, seals tokens awaiting their
    /// reveal, signs device and CSRF cookies.
    pub secret_key: Option<SecretString>,
    /// Earlier server secrets (`PREVIOUS_SECRET_KEYS`, comma-separated), still accepted so
    /// that rotating `SECRET_KEY` invalidates no token or session; token digests are
    /// rewritten under the current key on use.
    pub previous_secret_keys: Vec<SecretString>,
    /// Proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`, comma-separated
    /// CIDRs such as `10.0.0.0/8`); otherwise the TCP peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Idle session timeout (`SESSION_IDLE_MINUTES`, default 120).
    pub session_idle: Duration,
    /// Absolute session lifetime (`SESSION_ABSOLUTE_HOURS`, default 12).
    pub session_absolute: Duration,
    /// Database connections per instance (`DATABASE_POOL_SIZE`, default 10).
    pub pool_size: u32,
    /// HTTP worker threads (`WORKERS`, default: one per CPU).
    pub workers: usize,
    /// The secret API gateways present to `POST /oauth/introspect`
    /// (`RESOURCE_SERVER_SECRET`); introspection is refused without one.
    pub resource_server_secret: Option<SecretString>,
    /// API rate limits (`RATE_LIMIT_BURST` per `RATE_LIMIT_INTERVAL_SECONDS` per
    /// integration, default 100 per 10 s; `RATE_LIMIT_DAILY` per agency or sub-account,
    /// default 200,000).
    pub rate_limits: RateLimits,
    /// Redis for rate-limit counters shared by every instance (`REDIS_URL`); without it
    /// each instance counts on its own.
    pub redis_url: Option<String>,
    /// How long the old token keeps working after **Rotate and expire this token later**
    /// (`ROTATION_OVERLAP_HOURS`, default 168: seven days).
    pub rotation_overlap: chrono::Duration,
    /// An operator's scope catalog replacing the built-in one (`SCOPE_CATALOG`).
    pub scope_catalog: Option<std::path::PathBuf>,
    /// How long a confirmation of access lasts before dangerous actions ask again
    /// (`SUDO_MINUTES`, default 15).
    pub sudo: chrono::Duration,
    /// Whether verified tokens are kept in memory (`TOKEN_CACHE=on`, the default). `off`
    /// reads the database on every API request: for measuring cold verification only.
    pub token_cache: bool,
    /// How long API usage is kept (`USAGE_RETENTION_DAYS`, default 90).
    pub usage_retention: chrono::Duration,
    /// How often API usage counted in memory is written (`USAGE_FLUSH_SECONDS`, default 5).
    pub usage_flush: Duration,
    /// Where notification emails are sent through (`SMTP_URL`, e.g.
    /// `smtp://user:password@mail.example.com:587?tls=required` for STARTTLS or
    /// `smtps://…:465` for TLS); no email without it.
    pub smtp_url: Option<SecretString>,
    /// The sender of notification emails (`SMTP_FROM`, default
    /// `Private Integrations <notifications@localhost>`).
    pub smtp_from: String,
    /// Whether webhook endpoints may be loopback, private or link-local addresses
    /// (`WEBHOOK_ALLOW_PRIVATE=true`; off by default, which guards against SSRF).
    pub webhook_allow_private: bool,
    /// How often each instance looks for webhooks and emails to send, and (at most once a
    /// minute) for events time brings about (`OUTBOX_POLL_SECONDS`, default 2).
    pub outbox_poll: Duration,
    /// Days without a request after which an integration is reported unused
    /// (`UNUSED_AFTER_DAYS`, default 30).
    pub unused_after: chrono::Duration,
}

/// `DATABASE_URL` with `sslmode=disable` added when it names a database on this machine
/// (a loopback address, `localhost` or a Unix socket) and neither it nor `PGSSLMODE` chooses
/// a mode. libpq's default, `prefer`, negotiates TLS wherever the server offers it: on
/// loopback that protects nothing, yet costs a quarter of the throughput of short queries
/// and 3 MB of resident memory (OpenSSL, loaded and initialised). A database across a
/// network keeps libpq's default; `sslmode=verify-full` is what protects that connection.
fn without_tls_on_loopback(database_url: &str, pgsslmode_set: bool) -> String {
    let Ok(url) = url::Url::parse(database_url) else { return database_url.to_owned() };
    if pgsslmode_set || url.query_pairs().any(|(name, _)| name == "sslmode") {
        return database_url.to_owned();
    }
    let is_local = |host: &str| {
        host.is_empty()
            || host.starts_with('/')
            || host.eq_ignore_ascii_case("localhost")
            || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    };
    let local = match url.query_pairs().find(|(name, _)| name == "host") {
        Some((_, host)) => is_local(&host),
        None => is_local(url.host_str().unwrap_or_default()),
    };
    if !local {
        return database_url.to_owned();
    }
    let separator = if url.query().is_some() { '&' } else { '?' };
    format!("{database_url}{separator}sslmode=disable")
}

/// A configuration value that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{variable} is invalid: {reason}")]
pub struct ConfigError {
    variable: &'static str,
    reason: String,
}

impl Config {
    /// Reads the configuration from the process environment, after loading `.env` if one
    /// exists in the working directory.
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is normal; a malformed one is not worth refusing to start over,
        // since every variable is validated below anyway.
        let _ = dotenvy::dotenv();
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the configuration from any source of variables; for tests.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "expected a URL starting with postgres:// or postgresql://",
            ));
        }
        let database_url = without_tls_on_loopback(&database_url, get("PGSSLMODE").is_some());
        let bind_text = get("BIND").unwrap_or_else(|| DEFAULT_BIND.into());
        let bind: SocketAddr = bind_text.parse().map_err(|_| {
            ConfigError::new("BIND", format!("expected HOST:PORT such as {DEFAULT_BIND}, got {bind_text:?}"))
        })?;
        let public_url = match get("PUBLIC_URL") {
            Some(url) => parse_origin(&url)?,
            None => format!("http://{bind}"),
        };
        let tls = public_url.starts_with("https://");
        let secret_key = match get("SECRET_KEY") {
            Some(key) if key.len() < 32 => {
                return Err(ConfigError::new(
                    "SECRET_KEY",
                    "must be at least 32 characters (e.g. `openssl rand -base64 48`)",
                ));
            }
            key => key.map(SecretString::from),
        };
        let previous_secret_keys = get("PREVIOUS_SECRET_KEYS")
            .map(|keys| {
                keys.split(',')
                    .map(str::trim)
                    .filter(|key| !key.is_empty())
                    .map(|key| {
                        if key.len() < 32 {
                            Err(ConfigError::new(
                                "PREVIOUS_SECRET_KEYS",
                                "each key must be at least 32 characters",
                            ))
                        } else {
                            Ok(SecretString::from(key.to_owned()))
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        let trusted_proxies = get("TRUSTED_PROXIES")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|cidr| !cidr.is_empty())
                    .map(|cidr| {
                        cidr.parse::<ipnet::IpNet>()
                            .or_else(|_| cidr.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                            .map_err(|_| {
                                ConfigError::new(
                                    "TRUSTED_PROXIES",
                                    format!("expected CIDRs such as 10.0.0.0/8 or addresses, got {cidr:?}"),
                                )
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        let session_idle = Duration::from_secs(60 * positive(&get, "SESSION_IDLE_MINUTES", 120)?);
        let session_absolute = Duration::from_secs(3600 * positive(&get, "SESSION_ABSOLUTE_HOURS", 12)?);
        let pool_size = u32::try_from(positive(&get, "DATABASE_POOL_SIZE", 10)?)
            .map_err(|_| ConfigError::new("DATABASE_POOL_SIZE", "is too large"))?;

        let resource_server_secret = match get("RESOURCE_SERVER_SECRET") {
            Some(secret) if secret.len() < 32 => {
                return Err(ConfigError::new("RESOURCE_SERVER_SECRET", "must be at least 32 characters"));
            }
            secret => secret.map(SecretString::from),
        };
        let interval_seconds = positive(&get, "RATE_LIMIT_INTERVAL_SECONDS", 10)?;
        let rate_limits = RateLimits {
            burst: positive(&get, "RATE_LIMIT_BURST", 100)?,
            interval_ms: i64::try_from(interval_seconds)
                .ok()
                .filter(|seconds| *seconds <= 86_400)
                .map(|seconds| seconds * 1000)
                .ok_or_else(|| {
                    ConfigError::new("RATE_LIMIT_INTERVAL_SECONDS", "must be at most a day (86400)")
                })?,
            daily: positive(&get, "RATE_LIMIT_DAILY", 200_000)?,
        };
        let overlap_hours = positive(&get, "ROTATION_OVERLAP_HOURS", 168)?;
        let rotation_overlap = i64::try_from(overlap_hours)
            .ok()
            .filter(|hours| *hours <= 24 * 366)
            .map(chrono::Duration::hours)
            .ok_or_else(|| {
                ConfigError::new("ROTATION_OVERLAP_HOURS", "must be at most a year (8784 hours)")
            })?;
        let sudo = i64::try_from(positive(&get, "SUDO_MINUTES", 15)?)
            .ok()
            .filter(|minutes| *minutes <= 24 * 60)
            .map(chrono::Duration::minutes)
            .ok_or_else(|| ConfigError::new("SUDO_MINUTES", "must be at most a day (1440)"))?;
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        let workers = usize::try_from(positive(&get, "WORKERS", cpus as u64)?)
            .map_err(|_| ConfigError::new("WORKERS", "is too large"))?;

        let token_cache = match get("TOKEN_CACHE").as_deref().map(str::trim) {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => {
                return Err(ConfigError::new("TOKEN_CACHE", format!("expected on or off, got {other:?}")));
            }
        };

        let usage_retention = i64::try_from(positive(&get, "USAGE_RETENTION_DAYS", 90)?)
            .ok()
            .filter(|days| *days <= 3660)
            .map(chrono::Duration::days)
            .ok_or_else(|| ConfigError::new("USAGE_RETENTION_DAYS", "must be at most ten years (3660)"))?;

        let usage_flush = Some(positive(&get, "USAGE_FLUSH_SECONDS", 5)?)
            .filter(|seconds| *seconds <= 3600)
            .map(Duration::from_secs)
            .ok_or_else(|| ConfigError::new("USAGE_FLUSH_SECONDS", "must be at most an hour (3600)"))?;

        let smtp_url = get("SMTP_URL").filter(|url| !url.trim().is_empty());
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(ConfigError::new("SMTP_URL", "expected smtp://… (STARTTLS) or smtps://… (TLS)"));
        }
        let smtp_from =
            get("SMTP_FROM").unwrap_or_else(|| "Private Integrations <notifications@localhost>".to_owned());
        let webhook_allow_private = match get("WEBHOOK_ALLOW_PRIVATE").as_deref().map(str::trim) {
            None | Some("" | "false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(ConfigError::new(
                    "WEBHOOK_ALLOW_PRIVATE",
                    format!("expected true or false, got {other:?}"),
                ));
            }
        };
        let outbox_poll = Some(positive(&get, "OUTBOX_POLL_SECONDS", 2)?)
            .filter(|seconds| *seconds <= 3600)
            .map(Duration::from_secs)
            .ok_or_else(|| ConfigError::new("OUTBOX_POLL_SECONDS", "must be at most an hour (3600)"))?;
        let unused_after = i64::try_from(positive(&get, "UNUSED_AFTER_DAYS", 30)?)
            .ok()
            .filter(|days| *days <= 3660)
            .map(chrono::Duration::days)
            .ok_or_else(|| ConfigError::new("UNUSED_AFTER_DAYS", "must be at most ten years (3660)"))?;

        Ok(Self {
            database_url,
            bind,
            public_url,
            tls,
            secret_key,
            previous_secret_keys,
            trusted_proxies,
            session_idle,
            session_absolute,
            pool_size,
            workers,
            resource_server_secret,
            rate_limits,
            redis_url: get("REDIS_URL"),
            rotation_overlap,
            scope_catalog: get("SCOPE_CATALOG").map(std::path::PathBuf::from),
            sudo,
            token_cache,
            usage_retention,
            usage_flush,
            smtp_url: smtp_url.map(SecretString::from),
            smtp_from,
            webhook_allow_private,
            outbox_poll,
            unused_after,
        })
    }
}

impl ConfigError {
    fn new(variable: &'static str, reason: impl Into<String>) -> Self {
        Self { variable, reason: reason.into() }
    }
}

/// Reads a positive whole number, or the default when the variable is unset.
fn positive(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: u64,
) -> Result<u64, ConfigError> {
    match get(variable) {
        None => Ok(default),
        Some(text) => match text.trim().parse::<u64>() {
            Ok(value) if value > 0 => Ok(value),
            _ => Err(ConfigError::new(variable, format!("expected a positive whole number, got {text:?}"))),
        },
    }
}

/// Normalises `PUBLIC_URL` to an origin: scheme, host and optional port, no path.
fn parse_origin(url: &str) -> Result<String, ConfigError> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| ConfigError::new("PUBLIC_URL", "expected a URL starting with https:// or http://"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return Err(ConfigError::new(
            "PUBLIC_URL",
            format!("expected an origin such as https://pi.example.com (no path), got {url:?}"),
        ));
    }
    Ok(url.to_owned())
}

impl Config {
    /// The scope catalog: the operator's file if `SCOPE_CATALOG` names one, else the
    /// built-in default. A file that cannot be read or is invalid stops the start-up.
    pub fn load_catalog(&self) -> anyhow::Result<crate::domain::scopes::Catalog> {
        use crate::domain::scopes::Catalog;
        let Some(path) = &self.scope_catalog else {
            return Ok(Catalog::builtin());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|error| anyhow::anyhow!("SCOPE_CATALOG {}: cannot read it: {error}", path.display()))?;
        Catalog::parse(&text).map_err(|error| anyhow::anyhow!("SCOPE_CATALOG {}: {error}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|name| {
            vars.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn a_database_on_this_machine_is_reached_without_tls_unless_a_mode_is_chosen() {
        for (url, expected) in [
            ("postgres://u@127.0.0.1:5432/db", "postgres://u@127.0.0.1:5432/db?sslmode=disable"),
            (
                "postgres://u@localhost/db?application_name=pi",
                "postgres://u@localhost/db?application_name=pi&sslmode=disable",
            ),
            ("postgresql://u@[::1]:5432/db", "postgresql://u@[::1]:5432/db?sslmode=disable"),
            ("postgres:///db", "postgres:///db?sslmode=disable"),
            (
                "postgres:///db?host=/var/run/postgresql",
                "postgres:///db?host=/var/run/postgresql&sslmode=disable",
            ),
            ("postgres://u@127.0.0.1/db?sslmode=require", "postgres://u@127.0.0.1/db?sslmode=require"),
            ("postgres://u@db.example.com/db", "postgres://u@db.example.com/db"),
            ("postgres://u@10.0.0.5/db", "postgres://u@10.0.0.5/db"),
            (
                "postgres://u@localhost/db?host=db.example.com",
                "postgres://u@localhost/db?host=db.example.com",
            ),
        ] {
            assert_eq!(without_tls_on_loopback(url, false), expected, "{url}");
        }
        assert_eq!(
            without_tls_on_loopback("postgres://u@127.0.0.1/db", true),
            "postgres://u@127.0.0.1/db",
            "PGSSLMODE chooses"
        );
        let config = config(&[("DATABASE_URL", "postgres://u@127.0.0.1/db"), ("PGSSLMODE", "require")])
            .expect("valid");
        assert_eq!(config.database_url, "postgres://u@127.0.0.1/db");
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let config = config(&[]).expect("defaults are valid");
        assert_eq!(config.database_url, format!("{DEFAULT_DATABASE_URL}?sslmode=disable"));
        assert_eq!(config.bind.to_string(), DEFAULT_BIND);
        assert_eq!(config.public_url, "http://127.0.0.1:8080");
        assert!(!config.tls);
        assert_eq!(config.session_idle, Duration::from_secs(7200));
    }

    #[test]
    fn trusted_proxies_and_previous_keys_are_lists() {
        let config = config(&[
            ("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
            (
                "PREVIOUS_SECRET_KEYS",
                "an old secret key that is long enough!, another old secret that is long enough too",
            ),
        ])
        .expect("valid");
        assert_eq!(config.trusted_proxies.len(), 2);
        assert!(config.trusted_proxies[1].contains(&"127.0.0.1".parse::<std::net::IpAddr>().expect("ip")));
        assert_eq!(config.previous_secret_keys.len(), 2);
    }

    #[test]
    fn https_public_url_turns_on_tls_and_drops_the_trailing_slash() {
        let config = config(&[("PUBLIC_URL", "https://pi.example.com/")]).expect("valid");
        assert_eq!(config.public_url, "https://pi.example.com");
        assert!(config.tls);
    }

    #[test]
    fn invalid_values_name_the_variable() {
        for (vars, variable) in [
            (&[("BIND", "localhost")][..], "BIND"),
            (&[("DATABASE_URL", "mysql://x")][..], "DATABASE_URL"),
            (&[("PUBLIC_URL", "https://x.example/app")][..], "PUBLIC_URL"),
            (&[("SECRET_KEY", "short")][..], "SECRET_KEY"),
            (&[("SESSION_IDLE_MINUTES", "0")][..], "SESSION_IDLE_MINUTES"),
            (&[("TRUSTED_PROXIES", "10.0.0.0/8, nonsense")][..], "TRUSTED_PROXIES"),
            (&[("TOKEN_CACHE", "maybe")][..], "TOKEN_CACHE"),
            (&[("USAGE_RETENTION_DAYS", "0")][..], "USAGE_RETENTION_DAYS"),
            (&[("USAGE_RETENTION_DAYS", "5000")][..], "USAGE_RETENTION_DAYS"),
            (&[("USAGE_FLUSH_SECONDS", "0")][..], "USAGE_FLUSH_SECONDS"),
            (&[("USAGE_FLUSH_SECONDS", "7200")][..], "USAGE_FLUSH_SECONDS"),
            (&[("SMTP_URL", "mail.example.com")][..], "SMTP_URL"),
            (&[("WEBHOOK_ALLOW_PRIVATE", "yes")][..], "WEBHOOK_ALLOW_PRIVATE"),
            (&[("OUTBOX_POLL_SECONDS", "0")][..], "OUTBOX_POLL_SECONDS"),
            (&[("UNUSED_AFTER_DAYS", "0")][..], "UNUSED_AFTER_DAYS"),
            (&[("PREVIOUS_SECRET_KEYS", "short")][..], "PREVIOUS_SECRET_KEYS"),
        ] {
            let error = config(vars).expect_err("must be rejected").to_string();
            assert!(error.starts_with(variable), "{error}");
        }
    }
}
