//! The outbox (SPEC §10): an event is written in the transaction that makes the change
//! ([`publish`]), with a notification per person who manages the integration's level and
//! a delivery per endpoint that subscribes; nothing leaves the process from inside a
//! transaction. Each instance then sends what is due ([`tick`]): webhooks
//! ([`super::webhooks::deliver_due`]), emails ([`super::notifications::send_due_emails`]),
//! and once a minute it looks for what time alone brings about
//! ([`super::notifications::schedule`]). Rows are leased with `FOR UPDATE SKIP LOCKED`, so
//! any number of instances send each thing once.
//!
//! No PostgreSQL job crate fits here: the well-kept ones (apalis, graphile_worker,
//! underway, sqlxmq) are built on sqlx, a second database stack beside diesel. The queue
//! is two tables and one leasing statement each.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use diesel::PgConnection;

use super::mail::Mailer;
use super::{App, AppResult};
use crate::config::Config;
use crate::db;
use crate::domain::access::Action;
use crate::domain::events::{Event, EventKind};
use crate::domain::ids::UserId;
use crate::domain::webhooks::{self, EndpointUrl};

/// What sends events out of this instance.
#[derive(Clone)]
pub struct Outbox {
    /// Built at the first delivery: loading the TLS trust store costs start-up time and
    /// memory that an instance without webhooks never needs.
    http: Arc<OnceLock<Result<reqwest::Client, String>>>,
    allow_private: bool,
    mailer: Option<Mailer>,
    last_schedule: Arc<Mutex<Option<Instant>>>,
}

impl Outbox {
    /// The HTTP client of webhooks (no proxy, no redirects, 10 s, a resolver that refuses
    /// private addresses unless `WEBHOOK_ALLOW_PRIVATE`) and the mailer of `SMTP_URL`.
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let mailer = config.smtp_url.as_ref().map(|url| Mailer::new(url, &config.smtp_from)).transpose()?;
        Ok(Self {
            http: Arc::default(),
            allow_private: config.webhook_allow_private,
            mailer,
            last_schedule: Arc::default(),
        })
    }

    /// The HTTP client of webhooks.
    fn http(&self) -> Result<&reqwest::Client, String> {
        let allow_private = self.allow_private;
        self.http
            .get_or_init(|| {
                reqwest::Client::builder()
                    .no_proxy()
                    .redirect(reqwest::redirect::Policy::none())
                    .timeout(webhooks::TIMEOUT)
                    .connect_timeout(webhooks::TIMEOUT)
                    .user_agent(concat!("private-integrations-webhooks/", env!("CARGO_PKG_VERSION")))
                    .dns_resolver(Arc::new(GuardedResolver { allow_private }))
                    .build()
                    .map_err(|error| {
                        tracing::error!(%error, "the webhook HTTP client could not be built");
                        "The HTTP client could not be built".to_owned()
                    })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Whether notifications are emailed (`SMTP_URL` is set).
    pub fn emails(&self) -> bool {
        self.mailer.is_some()
    }

    pub(super) fn mailer(&self) -> Option<&Mailer> {
        self.mailer.as_ref()
    }

    /// Whether `address` may be sent to.
    pub(super) fn allows(&self, address: std::net::IpAddr) -> bool {
        self.allow_private || webhooks::is_public(address)
    }

    /// Checks that `url` leads to addresses deliveries may reach: its literal address, or
    /// every address its host resolves to now (deliveries check again as they connect).
    pub(super) async fn check_destination(&self, url: &EndpointUrl) -> Result<(), String> {
        if self.allow_private {
            return Ok(());
        }
        if let Some(address) = url.literal_address() {
            return if self.allows(address) { Ok(()) } else { Err(private(address)) };
        }
        let host = url.url().host_str().unwrap_or_default().to_owned();
        let port = url.url().port_or_known_default().unwrap_or(443);
        let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| format!("We could not find the host {host}. Check the URL."))?
            .collect();
        match found.iter().find(|address| !self.allows(address.ip())) {
            Some(address) => Err(private(address.ip())),
            None if found.is_empty() => Err(format!("We could not find the host {host}. Check the URL.")),
            None => Ok(()),
        }
    }

    /// Sends one signed delivery: the HTTP status and the start of the body, or why
    /// there was no answer.
    pub(super) async fn post(
        &self,
        url: &str,
        headers: [(&'static str, String); 3],
        body: String,
    ) -> Result<(u16, String), String> {
        let parsed = EndpointUrl::parse(url).map_err(|error| error.to_string())?;
        if let Some(address) = parsed.literal_address().filter(|&address| !self.allows(address)) {
            return Err(private(address));
        }
        let mut request = self.http()?.post(parsed.url().clone()).header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let mut response = request.body(body).send().await.map_err(|error| describe(&error))?;
        let status = response.status().as_u16();
        let mut start = Vec::new();
        while start.len() < webhooks::RESPONSE_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => start.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        // PostgreSQL text holds no NUL.
        let text = String::from_utf8_lossy(&start).replace('\0', "");
        Ok((status, truncate(&text, webhooks::RESPONSE_BYTES)))
    }

    /// Whether the scheduler is due on this instance (once a minute at most).
    pub(super) fn schedule_due(&self) -> bool {
        let mut last = self.last_schedule.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let due = last.is_none_or(|at| at.elapsed() >= Duration::from_secs(60));
        if due {
            *last = Some(Instant::now());
        }
        due
    }
}

fn private(address: std::net::IpAddr) -> String {
    format!("That URL leads to a private address ({address}); webhooks are sent to public addresses only.")
}

/// Why a request got no answer, without the URL (which the log shows beside it).
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "No answer within 10 seconds".to_owned()
    } else if error.is_connect() {
        let mut source: Option<&dyn std::error::Error> = Some(error);
        while let Some(inner) = source {
            if inner.to_string().contains("private address") {
                return "Refused: the host resolves to a private address".to_owned();
            }
            source = inner.source();
        }
        "Could not connect".to_owned()
    } else {
        "The request failed".to_owned()
    }
}

/// `text` cut to at most `bytes` bytes, on a character boundary.
fn truncate(text: &str, bytes: usize) -> String {
    let mut end = text.len().min(bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// Resolves hosts for webhooks, keeping only the addresses deliveries may reach: a host
/// that resolves to a private address at delivery time (DNS rebinding) gets nothing.
struct GuardedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> =
                found.filter(|address| allow_private || webhooks::is_public(address.ip())).collect();
            if allowed.is_empty() {
                return Err(Box::<dyn std::error::Error + Send + Sync>::from(
                    "the host resolves only to private addresses",
                ));
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Records `event` and queues what tells of it, in the caller's transaction: a
/// notification for each active person who may manage integrations at its level (owed
/// an email when `emails` and they want them), a delivery for each enabled endpoint of
/// its level that subscribes. `false` (and nothing written) when its once-key was taken.
pub(super) fn publish(conn: &mut PgConnection, emails: bool, event: &Event) -> AppResult<bool> {
    if !db::events::insert(conn, event)? {
        return Ok(false);
    }
    if event.kind.notifies_people() {
        let context = event.context();
        let recipients: Vec<(UserId, bool)> =
            db::users::active_members_with_email_choice(conn, event.agency_id)?
                .into_iter()
                .filter(|(member, _)| member.actor().may(Action::ManageIntegrations, context))
                .map(|(member, wants)| (member.user.id, emails && wants))
                .collect();
        db::events::notify(conn, event, &recipients)?;
    }
    if EventKind::SUBSCRIBABLE.contains(&event.kind) {
        db::webhooks::enqueue(conn, event)?;
    }
    Ok(true)
}

/// One round of the outbox on this instance: webhooks and emails that are due, and the
/// scheduler once a minute. Failures are logged; the next round tries again.
pub async fn tick(app: &App) {
    if app.outbox.schedule_due()
        && let Err(error) = super::notifications::schedule(app).await
    {
        tracing::warn!(%error, "looking for expiring and unused integrations failed");
    }
    if let Err(error) = super::webhooks::deliver_due(app).await {
        tracing::warn!(%error, "delivering webhooks failed");
    }
    if let Err(error) = super::notifications::send_due_emails(app).await {
        tracing::warn!(%error, "sending notification emails failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("héllo", 3), "hé");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
