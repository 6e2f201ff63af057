//! Building and running the server: prepare the database, assemble the [`App`], print the
//! set-up link of an empty installation, and serve the dashboard and the API with their
//! middleware stack. This is the one place that knows every layer.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity, TtlExtensionPolicy};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App as HttpApp, HttpServer, web};
use anyhow::Context as _;

use crate::app::{self, App};
use crate::clock::SharedClock;
use crate::config::{BODY_LIMIT, Config};
use crate::db::{self, Database};
use crate::routes;
use crate::web::session::PgSessionStore;
use crate::web::{error_pages, security};

/// A built, bound, not yet awaited server.
pub struct Application {
    server: Server,
    port: u16,
    /// The one-time set-up link, when the database had no agency yet.
    pub setup_link: Option<String>,
    /// The app, for tests that look behind the scenes.
    pub app: App,
    /// What runs beside the server, stopped when it stops.
    background: Background,
}

/// The background work of an instance. Everything here holds database connections, so it
/// is stopped, and waited for, before the process exits (see [`Application::run_until_stopped`]).
struct Background {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    listener: db::notify::Listener,
}

impl Application {
    /// Prepares the database (create, migrate), then binds `config.bind`.
    pub async fn build(config: Config, clock: SharedClock) -> anyhow::Result<Self> {
        // A bad scope catalog is reported before any database work.
        config.load_catalog()?;
        let url = config.database_url.clone();
        tokio::task::spawn_blocking(move || db::prepare(&url)).await.context("preparing the database")??;
        let listener =
            TcpListener::bind(config.bind).with_context(|| format!("cannot listen on {}", config.bind))?;
        Self::build_with_listener(config, clock, listener).await
    }

    /// As [`Self::build`] on an already bound listener and a prepared database; tests
    /// bind port 0.
    pub async fn build_with_listener(
        config: Config,
        clock: SharedClock,
        tcp: TcpListener,
    ) -> anyhow::Result<Self> {
        let port = tcp.local_addr()?.port();
        let db = Database::new(&config.database_url, config.pool_size);
        let parallelism = std::thread::available_parallelism().map_or(1, usize::from);
        let passwords =
            tokio::task::spawn_blocking(move || app::passwords::Passwords::new(parallelism)).await??;
        let catalog = Arc::new(config.load_catalog()?);
        warn_without_a_secret_key(&config);
        let secrets = installation_secrets(&db, clock.now()).await?;
        let keys = app::keys::Keys::new(
            config.secret_key.as_ref(),
            &config.previous_secret_keys,
            secrets.cookie_key,
        );
        let limiter = match &config.redis_url {
            Some(url) => app::limits::RateLimiter::with_redis(config.rate_limits, url).await?,
            None => app::limits::RateLimiter::new(config.rate_limits),
        };
        let tokens = app::tokens::TokenCache::new(config.token_cache);
        let listener =
            db::notify::Listener::spawn(config.database_url.clone(), tokens.subscriber(), db.outages())
                .context("starting the token-change listener")?;
        let outbox = app::outbox::Outbox::new(&config).context("preparing webhooks and email")?;
        let app = App {
            config: Arc::new(config),
            db,
            clock,
            passwords,
            catalog,
            keys,
            tokens,
            limiter,
            metrics: Arc::default(),
            usage: app::usage::UsageRecorder::default(),
            outbox,
        };
        let setup_link = app::auth::issue_setup_link(&app)
            .await
            .map_err(|error| anyhow::anyhow!("checking for an agency: {error}"))?;
        tokio::task::spawn_blocking(crate::assets::load).await?;
        let tasks =
            vec![spawn_sweeper(app.clone()), spawn_usage_flusher(app.clone()), spawn_outbox(app.clone())];
        let server = serve(app.clone(), Key::from(&secrets.session_key), tcp)?;
        Ok(Self { server, port, setup_link, app, background: Background { tasks, listener } })
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is asked to stop (SIGINT/SIGTERM) or [`Self::handle`]
    /// stops it, then drains: writes the API usage still in memory, stops the
    /// background work and waits until every database connection is closed. When this
    /// returns, no thread of the app is left inside libpq, so the process may exit.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Self { server, app, background, .. } = self;
        let served = server.await;
        if let Err(error) = app.usage.flush(&app).await {
            tracing::warn!(%error, "could not write the last API usage at shutdown");
        }
        let closing = app.db.closing();
        drop(app);
        for task in &background.tasks {
            task.abort();
        }
        for task in background.tasks {
            // A cancelled task answers with its cancellation; nothing to report.
            let _ = task.await;
        }
        let listener = background.listener;
        if let Err(error) = tokio::task::spawn_blocking(move || listener.stop()).await {
            tracing::error!(%error, "stopping the token-change listener failed");
        }
        if !closing.wait(SHUTDOWN_GRACE).await {
            tracing::warn!("database connections were still in use when shutdown ended");
        }
        served
    }

    /// Stops a built server (served or not) and waits as [`Self::run_until_stopped`] does.
    pub async fn shutdown(self) -> std::io::Result<()> {
        drop(self.server.handle().stop(true));
        self.run_until_stopped().await
    }
}

/// The app of an operator's command: the database and the services, without a server,
/// a listener or background work. The database must be prepared already.
pub async fn operator_app(config: Config) -> anyhow::Result<App> {
    let passwords = tokio::task::spawn_blocking(|| app::passwords::Passwords::new(1)).await??;
    let db = Database::new(&config.database_url, 2);
    let clock: SharedClock = Arc::new(crate::clock::SystemClock);
    let secrets = installation_secrets(&db, clock.now()).await?;
    Ok(App {
        db,
        clock,
        passwords,
        catalog: Arc::new(config.load_catalog()?),
        keys: app::keys::Keys::new(
            config.secret_key.as_ref(),
            &config.previous_secret_keys,
            secrets.cookie_key,
        ),
        tokens: app::tokens::TokenCache::new(config.token_cache),
        limiter: app::limits::RateLimiter::new(config.rate_limits),
        metrics: Arc::default(),
        usage: app::usage::UsageRecorder::default(),
        outbox: app::outbox::Outbox::new(&config)?,
        config: Arc::new(config),
    })
}

/// How long shutdown waits for the last database connections to close.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Sends webhooks and emails as they fall due, and runs the scheduler.
fn spawn_outbox(app: App) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let period = app.config.outbox_poll;
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            app::outbox::tick(&app).await;
        }
    })
}

/// Writes usage in batches.
fn spawn_usage_flusher(app: App) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(app.config.usage_flush);
        loop {
            interval.tick().await;
            if let Err(error) = app.usage.flush(&app).await {
                tracing::warn!(%error, "writing API usage failed; will retry");
            }
        }
    })
}

/// Periodically removes sessions and sign-in failures that can no longer matter, and API
/// usage older than `USAGE_RETENTION_DAYS` (on one instance at a time).
fn spawn_sweeper(app: App) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(600));
        loop {
            interval.tick().await;
            if let Err(error) = app::sessions::sweep(&app).await {
                tracing::warn!(%error, "sweeping stale sessions failed");
            }
            if let Err(error) = app::usage::prune(&app).await {
                tracing::warn!(%error, "pruning old API usage failed");
            }
        }
    })
}

/// Without `SECRET_KEY`, token digests are plain SHA-256 and a reveal only works on the
/// instance that issued the token: fine to try things out, not for production.
fn warn_without_a_secret_key(config: &Config) {
    if config.secret_key.is_none() {
        tracing::warn!(
            "SECRET_KEY is not set. Token digests are plain SHA-256 (a copy of the database is enough to check \
             guesses offline), and a new token can be revealed only by the instance that issued it. Set \
             SECRET_KEY (at least 32 characters, e.g. `openssl rand -base64 48`) in production."
        );
        if !crate::telemetry::json_logs() {
            eprintln!("WARNING: SECRET_KEY is not set; do not run this configuration in production.");
        }
    }
}

/// The secrets the installation keeps for itself.
struct InstallationSecrets {
    /// Signs the session cookie (whatever `SECRET_KEY` is, so rotating it signs nobody out).
    session_key: Vec<u8>,
    /// Signs the device and CSRF cookies when no `SECRET_KEY` is set.
    cookie_key: Vec<u8>,
}

async fn installation_secrets(
    db: &Database,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<InstallationSecrets> {
    let db = db.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = db.get()?;
        let session_key = db::secrets::get_or_create(
            &mut conn,
            "session_cookie_key",
            || app::random::bytes::<64>().to_vec(),
            now,
        )?;
        let cookie_key =
            db::secrets::get_or_create(&mut conn, "cookie_key", || app::random::bytes::<32>().to_vec(), now)?;
        anyhow::Ok(InstallationSecrets { session_key, cookie_key })
    })
    .await?
}

fn serve(app: App, key: Key, listener: TcpListener) -> anyhow::Result<Server> {
    let workers = app.config.workers;
    let server = HttpServer::new(move || {
        let config = &app.config;
        let idle = actix_web::cookie::time::Duration::seconds(
            i64::try_from(config.session_idle.as_secs()).unwrap_or(i64::MAX),
        );
        let sessions = SessionMiddleware::builder(PgSessionStore::new(app.clone()), key.clone())
            .cookie_name(if config.tls { "__Host-pi_session" } else { "pi_session" }.to_owned())
            .cookie_secure(config.tls)
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_path("/".to_owned())
            .cookie_content_security(CookieContentSecurity::Signed)
            .session_lifecycle(
                BrowserSession::default()
                    .state_ttl(idle)
                    // Loading a session extends its idle deadline in the same trip to the
                    // database (`app::sessions::load`): no second one at the end of the request.
                    .state_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
            )
            .build();
        HttpApp::new()
            .app_data(web::Data::new(app.clone()))
            .app_data(web::PayloadConfig::new(BODY_LIMIT))
            .app_data(web::FormConfig::default().limit(BODY_LIMIT))
            .app_data(web::JsonConfig::default().limit(BODY_LIMIT))
            .wrap(security::headers(config.tls))
            .wrap(from_fn(crate::telemetry::log_requests))
            .route("/healthz", web::get().to(routes::health::healthz))
            // The API before any pattern that needs a regex to match (`/static/…`).
            .configure(crate::api::configure)
            .route("/readyz", web::get().to(routes::health::readyz))
            .route("/metrics", web::get().to(routes::health::metrics))
            .route("/static/{file:.*}", web::get().to(crate::assets::serve))
            .service(
                web::scope("")
                    .wrap(from_fn(security::verify_csrf))
                    .wrap(sessions)
                    .wrap(from_fn(error_pages::render_error_pages))
                    // Pages in gzip when the browser accepts it: the list of 200
                    // integrations shrinks from about 210 KB to under 15 KB.
                    .wrap(from_fn(crate::web::compress::gzip_pages))
                    .configure(routes::dashboard)
                    .default_service(web::to(routes::not_found)),
            )
    })
    .listen(listener)?
    .workers(workers)
    .shutdown_timeout(10)
    .run();
    Ok(server)
}
