//! The test harness: a real server on a random port, against a fresh database, driven by
//! a cookie-keeping HTTP client through the same forms a browser submits.

pub mod db;
pub mod proxy;
pub mod receiver;

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use chrono::{TimeZone as _, Utc};
use diesel::PgConnection;
use private_integrations::clock::ManualClock;
use private_integrations::config::Config;
use private_integrations::db::users::NewPerson;
use private_integrations::domain::ids::{AgencyId, SubAccountId, UserId};
use private_integrations::domain::people::{DisplayName, Email, NewPassword, Permissions, PersonName, Role};
use private_integrations::startup::Application;
use reqwest::header;
use scraper::{Html, Selector};

pub use db::TestDatabase;

/// The password every seeded user has.
pub const PASSWORD: &str = "correct horse battery staple";

/// A browser-like client of a running app: keeps cookies, never follows redirects by
/// itself, and submits forms with the page's CSRF token and its own Origin.
pub struct Browser {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub address: String,
    /// The client.
    pub client: reqwest::Client,
    /// The CSRF token of the last page fetched.
    csrf: Mutex<Option<String>>,
}

/// A running app, and the browser a test drives it with (`app.get(…)` is the browser's).
pub struct TestApp {
    /// The test's main browser.
    pub browser: Browser,
    /// The clock the app reads; move it to test timeouts.
    pub clock: Arc<ManualClock>,
    /// The set-up link printed at start, if the database was empty.
    pub setup_link: Option<String>,
    /// The app's shared state; let go before the app stops (see [`Drop`]).
    state: Option<private_integrations::app::App>,
    /// The app, served on a thread of its own as in its own process.
    running: Option<Running>,
    /// The database; dropped after the server.
    pub db: TestDatabase,
}

/// An app serving on its own thread and actix system.
struct Running {
    server: actix_web::dev::ServerHandle,
    thread: std::thread::JoinHandle<()>,
}

/// A response, read.
pub struct Page {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: header::HeaderMap,
    /// Body text.
    pub body: String,
}

impl Page {
    /// The `Location` header.
    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|value| value.to_str().ok()).unwrap_or("")
    }

    /// The parsed document.
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// The text of every element matching `selector`.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let selector = Selector::parse(selector).expect("valid selector");
        self.html()
            .select(&selector)
            .map(|element| {
                element.text().collect::<Vec<_>>().join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
            })
            .collect()
    }

    /// The text of the first element matching `selector`.
    pub fn text(&self, selector: &str) -> String {
        self.texts(selector).into_iter().next().unwrap_or_else(|| panic!("no {selector} in:\n{}", self.body))
    }

    /// The `Set-Cookie` line of the cookie `name`, if the response sets it.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find(|line| line.starts_with(&format!("{name}=")))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or("")
    }
}

/// Options for [`TestApp::spawn_with`].
pub struct Options {
    /// Extra configuration variables.
    pub env: Vec<(&'static str, String)>,
    /// Serve on this database instead of a fresh one.
    pub database: Option<TestDatabase>,
    /// Reach the database through this URL (a proxy, say) instead.
    pub database_url: Option<String>,
}

impl TestApp {
    /// An app on a fresh database.
    pub async fn spawn() -> Self {
        Self::spawn_with(Options { env: Vec::new(), database: None, database_url: None }).await
    }

    /// An app with options.
    pub async fn spawn_with(options: Options) -> Self {
        let db = options.database.unwrap_or_else(TestDatabase::new);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let address = format!("http://127.0.0.1:{port}");
        let database_url = options.database_url.unwrap_or_else(|| db.url());
        let mut env = vec![
            ("DATABASE_URL", database_url),
            ("BIND", format!("127.0.0.1:{port}")),
            ("WORKERS", "1".to_owned()),
            ("DATABASE_POOL_SIZE", "4".to_owned()),
            // Usage is written when a test flushes it, never by the timer in between.
            ("USAGE_FLUSH_SECONDS", "3600".to_owned()),
            // Webhooks and emails go when a test sends them, never by the timer in between;
            // the tests' receivers listen on loopback.
            ("OUTBOX_POLL_SECONDS", "3600".to_owned()),
            ("WEBHOOK_ALLOW_PRIVATE", "true".to_owned()),
        ];
        env.extend(options.env);
        let config =
            Config::from_lookup(|name| env.iter().rfind(|(key, _)| *key == name).map(|(_, v)| v.clone()))
                .expect("valid test configuration");
        let clock =
            Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).single().expect("date")));
        let (ready, started) = tokio::sync::oneshot::channel();
        let app_clock = clock.clone();
        // The app runs as it would in its own process: its own thread and actix system,
        // independent of the test's runtime, so that stopping it never waits on the test.
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = match Application::build_with_listener(config, app_clock, listener).await {
                    Ok(app) => app,
                    Err(error) => {
                        let _ = ready.send(Err(format!("{error:#}")));
                        return;
                    }
                };
                let parts = (app.setup_link.clone(), app.app.clone(), app.handle());
                if ready.send(Ok(parts)).is_err() {
                    return;
                }
                app.run_until_stopped().await.expect("the app serves and stops cleanly");
            });
        });
        let (setup_link, state, server) = match started.await.expect("the app's thread answers") {
            Ok(parts) => parts,
            Err(error) => panic!("the app did not start: {error}"),
        };
        Self {
            browser: Browser::new(address),
            clock,
            setup_link,
            state: Some(state),
            running: Some(Running { server, thread }),
            db,
        }
    }

    /// The app's shared state, for tests that look behind the scenes.
    pub fn state(&self) -> &private_integrations::app::App {
        self.state.as_ref().expect("the app is running")
    }

    /// Another browser on the same running app, with its own cookies.
    pub fn new_browser(&self) -> Browser {
        Browser::new(self.browser.address.clone())
    }

    /// Another browser, reaching the app through a trusted proxy that forwards `ip` as
    /// the client's address (`X-Forwarded-For`; the app needs `TRUSTED_PROXIES`).
    pub fn new_browser_from(&self, ip: &str) -> Browser {
        let mut headers = header::HeaderMap::new();
        headers.insert("x-forwarded-for", header::HeaderValue::from_str(ip).expect("an address"));
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("client");
        Browser { address: self.browser.address.clone(), client, csrf: Mutex::new(None) }
    }

    /// Swaps in a fresh main browser (no cookies).
    pub fn forget_cookies(&mut self) {
        self.browser = self.new_browser();
    }

    /// The digest the app stores for a token.
    pub fn state_digest(&self, token: &private_integrations::domain::token::TokenSecret) -> Vec<u8> {
        self.state().keys.digest(token)
    }

    /// A direct database connection.
    pub fn conn(&self) -> PgConnection {
        self.db.conn()
    }
}

impl std::ops::Deref for TestApp {
    type Target = Browser;

    fn deref(&self) -> &Browser {
        &self.browser
    }
}

impl Browser {
    fn new(address: String) -> Self {
        Self { address, client: client(), csrf: Mutex::new(None) }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Page {
        let response = self.client.get(format!("{}{path}", self.address)).send().await.expect("GET");
        self.read(response).await
    }

    /// Posts a form as a browser does: with the page's CSRF token and our Origin.
    /// Fetches `/sign-in` first if no token has been seen yet.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_form_from(None, path, fields).await
    }

    /// As [`Self::post_form`], from the page at `from` (sent as the Referer, as a browser
    /// does under our `Referrer-Policy: same-origin`).
    pub async fn post_form_from(&self, from: Option<&str>, path: &str, fields: &[(&str, &str)]) -> Page {
        let seen = self.csrf();
        let token = match seen {
            Some(token) => token,
            None => {
                drop(self.get("/sign-in").await);
                self.csrf().expect("a CSRF token on the sign-in page")
            }
        };
        let mut body: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        body.extend_from_slice(fields);
        let referer = from.map(|from| format!("{}{from}", self.address));
        self.send_form(path, &body, Some(&self.address), referer.as_deref()).await
    }

    /// As [`Self::post_form`] without fields, returning only the status; the future owns
    /// its path, so many can run at once.
    pub async fn post_form_owned(&self, path: String) -> u16 {
        self.post_form(&path, &[]).await.status
    }

    /// Posts exactly these fields with this Origin (or none).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)], origin: Option<&str>) -> Page {
        self.send_form(path, fields, origin, None).await
    }

    async fn send_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        origin: Option<&str>,
        referer: Option<&str>,
    ) -> Page {
        let encoded = serde_html_form::to_string(fields).expect("encode form");
        let mut request = self
            .client
            .post(format!("{}{path}", self.address))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(encoded);
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        if let Some(referer) = referer {
            request = request.header(header::REFERER, referer);
        }
        let response = request.send().await.expect("POST");
        self.read(response).await
    }

    async fn read(&self, response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.expect("body");
        if let Some(token) = csrf_in(&body) {
            *self.csrf.lock().expect("lock") = Some(token);
        }
        Page { status, headers, body }
    }

    /// The CSRF token of the last page.
    pub fn csrf(&self) -> Option<String> {
        self.csrf.lock().expect("lock").clone()
    }

    /// The same browser (cookies and all) talking to another running app: cookies are
    /// kept per host, whatever the port.
    pub fn towards(&self, address: &str) -> Browser {
        Browser { address: address.to_owned(), client: self.client.clone(), csrf: Mutex::new(self.csrf()) }
    }

    /// Signs in through the form; panics unless it works.
    /// Opens the sign-in page first, as a person does, and follows the redirects to the
    /// page they land on.
    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        self.get("/sign-in").await;
        let page = self.post_form("/sign-in", &[("email", email), ("password", password)]).await;
        assert_eq!(page.status, 303, "sign-in as {email} failed:\n{}", page.body);
        self.follow(page).await
    }

    /// Follows redirects from `page`, as a browser does.
    pub async fn follow(&self, mut page: Page) -> Page {
        for _ in 0..5 {
            if page.status != 303 && page.status != 302 {
                break;
            }
            page = self.get(page.location()).await;
        }
        page
    }

    /// Signs out through the user menu's form, landing on the sign-in page.
    pub async fn sign_out(&self) -> Page {
        let page = self.post_form("/sign-out", &[]).await;
        assert_eq!(page.status, 303, "sign-out failed:\n{}", page.body);
        self.follow(page).await
    }
}

impl Drop for TestApp {
    /// Stops the app and waits until it has wound down completely: its database
    /// connections closed, its listener thread joined. A thread still inside libpq when
    /// the test process exits would crash it (OpenSSL's exit handlers free what the
    /// thread is using).
    fn drop(&mut self) {
        drop(self.state.take());
        if let Some(running) = self.running.take() {
            // `stop` sends its command at once; the app's own thread drives it.
            drop(running.server.stop(true));
            if running.thread.join().is_err() && !std::thread::panicking() {
                panic!("the app's thread panicked while stopping");
            }
        }
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // The server closes a connection idle for 5 s (actix-web's keep-alive); a request
        // sent on it at that moment fails. Idle connections are dropped well before.
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .expect("client")
}

/// The CSRF token of a page's forms.
pub fn csrf_in_page(body: &str) -> Option<String> {
    csrf_in(body)
}

fn csrf_in(body: &str) -> Option<String> {
    let selector = Selector::parse(r#"input[name="csrf_token"]"#).expect("selector");
    Html::parse_document(body)
        .select(&selector)
        .next()
        .and_then(|input| input.value().attr("value"))
        .map(str::to_owned)
}

/// A seeded agency with people of every role.
pub struct World {
    /// The agency.
    pub agency: AgencyId,
    /// Its first sub-account.
    pub sub_a: SubAccountId,
    /// Its second sub-account.
    pub sub_b: SubAccountId,
    /// Agency admin with every permission (team manager).
    pub owner: UserId,
}

/// Emails of the seeded people.
pub mod people {
    /// Agency admin, team manager.
    pub const OWNER: &str = "owner@acme.test";
    /// Agency user.
    pub const AGENCY_USER: &str = "agency.user@acme.test";
    /// Account admin of sub-account A.
    pub const ADMIN_A: &str = "admin.a@acme.test";
    /// Account user of sub-account A.
    pub const USER_A: &str = "user.a@acme.test";
    /// Admin of another agency.
    pub const OTHER_OWNER: &str = "owner@other.test";
}

/// Seeds an agency ("Acme Agency", sub-accounts "Alpha Dental" and "Beta Fitness") and
/// another agency, with users of every role; all share [`PASSWORD`].
pub fn seed(conn: &mut PgConnection) -> World {
    let now = Utc::now();
    let hash = private_integrations::app::passwords::hash_blocking(
        &NewPassword::parse(PASSWORD.to_owned()).expect("valid"),
    )
    .expect("hash");
    let name = |text: &str| DisplayName::parse(text).expect("valid name");
    let agency = private_integrations::db::agencies::create(conn, &name("Acme Agency"), now).expect("agency");
    let sub_a =
        private_integrations::db::agencies::create_sub_account(conn, agency.id, &name("Alpha Dental"), now)
            .expect("a");
    let sub_b =
        private_integrations::db::agencies::create_sub_account(conn, agency.id, &name("Beta Fitness"), now)
            .expect("b");
    let other = private_integrations::db::agencies::create(conn, &name("Other Agency"), now).expect("other");
    let mut add = |agency_id: AgencyId, email: &str, role: Role, subs: Vec<SubAccountId>, first: bool| {
        let person = NewPerson {
            agency_id,
            email: Email::parse(email).expect("email"),
            name: PersonName::from_display(name(&email.split('@').next().unwrap_or("x").replace('.', " "))),
            phone: None,
            role,
            permissions: Permissions::defaults(role, first),
            sub_accounts: subs,
        };
        private_integrations::db::users::create(conn, &person, Some(&hash), now).expect("user").id
    };
    let owner = add(agency.id, people::OWNER, Role::AgencyAdmin, vec![], true);
    add(agency.id, people::AGENCY_USER, Role::AgencyUser, vec![], false);
    add(agency.id, people::ADMIN_A, Role::AccountAdmin, vec![sub_a.id], false);
    add(agency.id, people::USER_A, Role::AccountUser, vec![sub_a.id], false);
    add(other.id, people::OTHER_OWNER, Role::AgencyAdmin, vec![], true);
    World { agency: agency.id, sub_a: sub_a.id, sub_b: sub_b.id, owner }
}

/// The names of the audit actions recorded for an agency, newest first.
pub fn actions(app: &TestApp, agency: AgencyId) -> Vec<String> {
    private_integrations::db::audit::actions_of(&mut app.conn(), agency)
        .expect("audit")
        .into_iter()
        .map(|action| action.as_str().to_owned())
        .collect()
}

/// The details of an agency's audit events of `action`, newest first.
pub fn audit_details(app: &TestApp, agency: AgencyId, action: &str) -> Vec<serde_json::Value> {
    use diesel::prelude::*;
    use private_integrations::db::schema::audit_events;
    audit_events::table
        .filter(audit_events::agency_id.eq(agency))
        .filter(audit_events::action.eq(action))
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .select(audit_events::details)
        .load(&mut app.conn())
        .expect("audit events")
}

/// A fresh token, as the app issues them.
pub fn new_token() -> private_integrations::domain::token::TokenSecret {
    private_integrations::domain::token::TokenSecret::generate(
        &mut private_integrations::app::random::OsRandom,
    )
}

/// The URL in attribute `attribute` of the first `selector` element of a page.
pub fn asset_url(page: &Page, selector: &str, attribute: &str) -> String {
    page.html()
        .select(&Selector::parse(selector).expect("selector"))
        .next()
        .and_then(|element| element.value().attr(attribute))
        .unwrap_or_else(|| panic!("no {selector}[{attribute}]"))
        .to_owned()
}

/// The token on a reveal page, if one is shown.
pub fn revealed_token(page: &Page) -> Option<String> {
    page.html()
        .select(&Selector::parse("#token").expect("selector"))
        .next()
        .and_then(|input| input.value().attr("value").map(str::to_owned))
}

/// Creates an integration through both wizard steps as a signed-in browser; returns its
/// detail URL and the token revealed once.
pub async fn create_integration(
    browser: &Browser,
    base: &str,
    name: &str,
    scopes: &[&str],
) -> (String, String) {
    browser.get(&format!("{base}/new")).await;
    let next = browser.post_form(&format!("{base}/new"), &[("name", name), ("description", "")]).await;
    assert_eq!(next.status, 303, "{}", next.body);
    let mut fields: Vec<(&str, &str)> = scopes.iter().map(|scope| ("scopes", *scope)).collect();
    fields.push(("step", "save"));
    let created = browser.post_form(&format!("{base}/new/scopes"), &fields).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let token = revealed_token(&browser.get(created.location()).await).expect("the token is revealed");
    (created.location().trim_end_matches("/reveal").to_owned(), token)
}

/// A fresh app with `env` added to its configuration, seeded, the owner signed in.
pub async fn signed_in_app(env: Vec<(&'static str, String)>) -> (TestApp, World) {
    let app = TestApp::spawn_with(Options { env, database: None, database_url: None }).await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    (app, world)
}

/// Drives futures concurrently on this task.
pub async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    outputs.into_iter().map(|output| output.expect("ready")).collect()
}
