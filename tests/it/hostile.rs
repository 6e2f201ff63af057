//! A catalogue of hostile input over every form and every API body (SPEC §2, §4, §5):
//! markup and `javascript:` URLs, SQL metacharacters, oversized bodies and fields, invalid
//! UTF-8, Unicode tricks, other tenants' and malformed ids, replayed and cross-site forms,
//! forged session cookies, repeated fields and wrong content types.
//!
//! Every case checks the exact answer (a page shows what was typed only escaped, and a 4xx
//! page never claims an unexpected error; the API answers `{statusCode, message}`) and that
//! the database is exactly as it was before the request. Cases run in tables; a test
//! reports every case that went wrong at once. The tests under "Known defects" at the end
//! assert what the product owes where it does not deliver yet.

use std::future::Future;

use chrono::Utc;
use diesel::prelude::*;
use private_integrations::domain::ids::AgencyId;
use private_integrations::domain::people::DisplayName;
use reqwest::{Method, header};
use scraper::Selector;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::AGENCY;
use crate::support::{Browser, Options, PASSWORD, Page, TestApp, World, create_integration, people, seed};

// Payloads -------------------------------------------------------------------------------

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";
const JS_URL: &str = "javascript:alert(1)";
const SQL_OR: &str = "' OR 1=1 --";
const SQL_DROP: &str = "'; DROP TABLE users; --";

/// Markup that must never come back unescaped.
const RAW_MARKUP: [&str; 5] =
    ["<script>alert(1)", "<img src=x", "<img/src=x", "href=\"javascript:", "src=\"javascript:"];

const FORMATTING: &str =
    "Name cannot contain invisible formatting characters (such as right-to-left overrides).";
const CONTROL: &str = "Name cannot contain control characters such as tabs or line breaks.";
const REQUIRED: &str = "Name is required.";
const TOO_LONG: &str = "Name must be at most 100 characters (it has 101).";
const DESCRIPTION_CHARACTERS: &str =
    "Description cannot contain control characters such as tabs, or invisible formatting characters.";
const EMAIL_SHAPE: &str = "Enter an email address such as name@example.com.";
const PASSWORD_SHORT: &str = "Password must be at least 12 characters.";
const PASSWORD_LONG: &str = "Password must be at most 256 characters.";
const CSRF_REFUSED: &str =
    "This form has expired or was sent from another site. Go back, reload the page and try again.";
const TOO_MUCH: &str = "What you sent is larger than this page accepts.";
const BAD_REQUEST: &str = "The request could not be understood. Go back and try again.";
const NOT_FOUND: &str = "This page doesn't exist, or it isn't yours to see.";
/// What only a 500 page may say.
const UNEXPECTED: &str = "An unexpected error occurred";

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";
/// Over the 64 KiB body limit.
const OVERSIZED: usize = 70_000;

/// Names that hide something or display as something else: (what, text, message).
fn tricky_names() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        ("a right-to-left override (U+202E)", "Invoice\u{202E}fdp.exe", FORMATTING),
        ("a zero-width space (U+200B)", "Pay\u{200B}Pal", FORMATTING),
        ("a byte order mark (U+FEFF)", "\u{FEFF}Acme sync", FORMATTING),
        ("a left-to-right isolate (U+2066)", "Acme \u{2066}sync\u{2069}", FORMATTING),
        ("a soft hyphen (U+00AD)", "Ac\u{AD}me", FORMATTING),
        ("a NUL", "Acme\u{0}sync", CONTROL),
        ("a tab", "Acme\tsync", CONTROL),
        ("a line break", "Acme\nsync", CONTROL),
        ("an ANSI escape sequence", "Acme \u{1b}[31msync", CONTROL),
        ("a C1 control (U+0085)", "Acme\u{85}sync", CONTROL),
    ]
}

/// Letters buried under stacks of combining marks ("Zalgo" text), which spill over the
/// lines above and below wherever the name is shown.
fn zalgo() -> String {
    let marks: String = ('\u{300}'..='\u{30F}').collect();
    ["A", "c", "m", "e"].iter().map(|letter| format!("{letter}{marks}")).collect()
}

/// Ordinary text that must be accepted as typed: accents (composed and decomposed, up to
/// two marks on a letter), curly apostrophes, other scripts, emoji, `&` and `'`.
const ORDINARY: [&str; 6] = [
    "Zoë’s café",
    "Zoe\u{308}’s cafe\u{301}",
    "Nguye\u{302}\u{303}n Văn Thành",
    "東京 Sync 🚀",
    "O'Brien & Sons",
    "Ünïcödé — naïve façade",
];

/// What a page shows of what was typed: an HTML parser reads a NUL as U+FFFD.
fn as_shown(typed: &str) -> String {
    typed.replace('\u{0}', "\u{FFFD}")
}
// The database, watched ------------------------------------------------------------------

/// The tables a request could change, and what is compared of each. Left out: sessions
/// (every signed-in request touches its own), sign-in attempts and failed sign-in events
/// (counting failures is the throttle's job), and a token's last use (written in batches
/// after API calls).
const WATCHED: [(&str, &str); 10] = [
    ("agencies", "SELECT * FROM agencies"),
    ("sub_accounts", "SELECT * FROM sub_accounts"),
    ("users", "SELECT * FROM users"),
    ("sub_account_memberships", "SELECT * FROM sub_account_memberships"),
    ("integrations", "SELECT * FROM integrations"),
    (
        "integration_tokens",
        "SELECT id, integration_id, digest, last4, state, created_at, expires_at, revoked_at \
         FROM integration_tokens",
    ),
    ("token_reveals", "SELECT * FROM token_reveals"),
    ("audit_events", "SELECT * FROM audit_events WHERE action <> 'user.sign_in_failed'"),
    ("setup_links", "SELECT * FROM setup_links"),
    ("installation_secrets", "SELECT * FROM installation_secrets"),
];

/// One digest per watched table.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot(Vec<(&'static str, String)>);

impl Snapshot {
    /// The tables whose rows differ in `later`.
    fn changed_in(&self, later: &Self) -> Vec<&'static str> {
        self.0.iter().zip(&later.0).filter(|(a, b)| a.1 != b.1).map(|(a, _)| a.0).collect()
    }
}

/// A connection to the app's database, for snapshots and look-ups.
struct Db(diesel::PgConnection);

impl Db {
    fn of(app: &TestApp) -> Self {
        Self(app.conn())
    }

    fn snapshot(&mut self) -> Snapshot {
        Snapshot(
            WATCHED
                .iter()
                .map(|&(table, rows)| {
                    let digest = self.text(&format!(
                        "SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), 'no rows') \
                         FROM ({rows}) t"
                    ));
                    (table, digest)
                })
                .collect(),
        )
    }

    /// The one text `query` selects.
    fn text(&mut self, query: &str) -> String {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(&format!("({query})")))
            .get_result(&mut self.0)
            .unwrap_or_else(|error| panic!("{query}: {error}"))
    }

    /// The one id `query` selects.
    fn id(&mut self, query: &str) -> Uuid {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Uuid>(&format!("({query})")))
            .get_result(&mut self.0)
            .unwrap_or_else(|error| panic!("{query}: {error}"))
    }

    /// The number `query` counts.
    fn count(&mut self, query: &str) -> i64 {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!("({query})")))
            .get_result(&mut self.0)
            .unwrap_or_else(|error| panic!("{query}: {error}"))
    }
}

// Checking answers -----------------------------------------------------------------------

/// What went wrong across a table of cases, reported together at the end.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    fn fail(&mut self, case: &str, what: impl std::fmt::Display) {
        self.0.push(format!("- {case}: {what}"));
    }

    fn check(&mut self, ok: bool, case: &str, what: impl FnOnce() -> String) {
        if !ok {
            let what = what();
            self.fail(case, what);
        }
    }

    /// A page's status and message, no markup echoed unescaped, and no 4xx page that
    /// claims an unexpected error.
    fn page(&mut self, case: &str, page: &Page, status: u16, says: Option<&str>) {
        if page.status != status {
            self.fail(case, format!("answered {} instead of {status}: {}", page.status, gist(page)));
        }
        if let Some(says) = says
            && !visible_text(page).contains(says)
        {
            self.fail(case, format!("does not say “{says}”: {}", gist(page)));
        }
        for raw in RAW_MARKUP {
            self.check(!page.body.contains(raw), case, || format!("echoes `{raw}` unescaped"));
        }
        if (400..500).contains(&page.status) && visible_text(page).contains(UNEXPECTED) {
            self.fail(case, format!("a {} page claims an unexpected error: {}", page.status, gist(page)));
        }
    }

    /// An API answer's status and its `{statusCode, message}` body.
    fn api(&mut self, case: &str, answer: &Answer, status: u16, says: Says) {
        if answer.status != status {
            self.fail(case, format!("answered {} instead of {status}: {}", answer.status, answer.text));
        }
        let shape = answer.json["statusCode"].as_u64() == Some(u64::from(answer.status))
            && answer.json["message"].is_string()
            && answer.content_type.starts_with(JSON);
        self.check(shape, case, || {
            format!(
                "is not a JSON {{statusCode, message}} body (content type {:?}): {:?}",
                answer.content_type, answer.text
            )
        });
        let message = answer.json["message"].as_str().unwrap_or("");
        let matches = match &says {
            Says::Exactly(text) => message == text,
            Says::StartsWith(text) => message.starts_with(text.as_str()),
        };
        self.check(matches || !shape, case, || format!("says {message:?}, expected {says:?}"));
    }

    /// The form field `field` of a page holds exactly what was typed.
    fn echoes(&mut self, case: &str, page: &Page, field: &str, typed: &str) {
        let value = field_value(page, field);
        self.check(value.as_deref() == Some(as_shown(typed).as_str()), case, || {
            format!("the {field} field holds {value:?} instead of what was typed")
        });
    }

    fn unchanged(&mut self, case: &str, before: &Snapshot, after: &Snapshot) {
        let changed = before.changed_in(after);
        self.check(changed.is_empty(), case, || format!("changed the database: {}", changed.join(", ")));
    }
}

/// One row of a case table: what it is, its input, and the answer it must get (`says`:
/// the page's message, or the API's).
struct Case<I, S> {
    what: String,
    input: I,
    status: u16,
    says: S,
}

fn case<I, S>(what: impl Into<String>, input: I, status: u16, says: S) -> Case<I, S> {
    Case { what: what.into(), input, status, says }
}

/// The message expected in an API error.
#[derive(Debug, Clone)]
enum Says {
    Exactly(String),
    StartsWith(String),
}

fn exactly(text: &str) -> Says {
    Says::Exactly(text.to_owned())
}

/// Any JSON the body parser refused.
fn invalid_json() -> Says {
    Says::StartsWith("The JSON body is invalid".to_owned())
}

/// Any message at all.
fn any_message() -> Says {
    Says::StartsWith(String::new())
}

fn no_access() -> Says {
    exactly("The token does not have access to this location")
}

fn not_found() -> Says {
    exactly("Not found")
}

fn scope_denied() -> Says {
    exactly("The token is not authorized for this scope: this endpoint needs locations.write")
}

/// Runs hostile cases against one app: checks each answer, and that the database is
/// exactly as it was before the request.
struct Catalogue {
    db: Db,
    findings: Findings,
    cases: usize,
}

impl Catalogue {
    fn new(app: &TestApp) -> Self {
        Self { db: Db::of(app), findings: Findings::default(), cases: 0 }
    }

    /// A dashboard request that must answer `status` (saying `says`) and change nothing.
    async fn page(
        &mut self,
        case: &str,
        status: u16,
        says: Option<&str>,
        request: impl Future<Output = Page>,
    ) -> Page {
        self.cases += 1;
        let before = self.db.snapshot();
        let page = request.await;
        self.findings.page(case, &page, status, says);
        let after = self.db.snapshot();
        self.findings.unchanged(case, &before, &after);
        page
    }

    /// An API request that must answer `status` with `{statusCode, message}` and change
    /// nothing.
    async fn api(&mut self, case: &str, status: u16, says: Says, request: impl Future<Output = Answer>) {
        self.cases += 1;
        let before = self.db.snapshot();
        let answer = request.await;
        self.findings.api(case, &answer, status, says);
        let after = self.db.snapshot();
        self.findings.unchanged(case, &before, &after);
    }

    /// How many cases ran, and what went wrong.
    fn into_problems(self) -> (usize, Vec<String>) {
        (self.cases, self.findings.0)
    }

    /// Fails with every case that went wrong.
    fn finish(self) {
        let Self { findings, cases, .. } = self;
        assert!(
            findings.0.is_empty(),
            "{} problem(s) in {cases} hostile cases:\n{}",
            findings.0.len(),
            findings.0.join("\n")
        );
    }
}

/// The page's text as a reader sees it, whitespace collapsed.
fn visible_text(page: &Page) -> String {
    page.html()
        .root_element()
        .text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a page says in short: its heading, messages and notices.
fn gist(page: &Page) -> String {
    let said = page.texts("h1, .field-error, .notice, .flash, [role=alert]").join(" | ");
    if said.is_empty() { page.body.chars().take(300).collect() } else { said }
}

/// The value of the form field `name` on a page (an input's value, or a textarea's text).
fn field_value(page: &Page, name: &str) -> Option<String> {
    let html = page.html();
    let input = Selector::parse(&format!("input[name=\"{name}\"]")).expect("selector");
    if let Some(input) = html.select(&input).next() {
        return input.value().attr("value").map(str::to_owned);
    }
    let textarea = Selector::parse(&format!("textarea[name=\"{name}\"]")).expect("selector");
    html.select(&textarea).next().map(|area| area.text().collect())
}

// Sending raw requests -------------------------------------------------------------------

/// Percent-encodes bytes for a form body (so that invalid UTF-8 can be sent encoded).
fn percent(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&byte| {
            if byte.is_ascii_alphanumeric() || b"-._".contains(&byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// Form fields whose values are bytes (which need not be UTF-8).
type ByteFields<'a> = [(&'a str, &'a [u8])];

/// A form body of `fields` after the browser's CSRF token.
fn form_with_csrf(browser: &Browser, fields: &ByteFields<'_>) -> Vec<u8> {
    let token = browser.csrf().expect("a CSRF token");
    let mut body = format!("csrf_token={token}");
    for (name, value) in fields {
        body.push_str(&format!("&{}={}", percent(name.as_bytes()), percent(value)));
    }
    body.into_bytes()
}

/// The same, with raw (not percent-encoded) bytes appended: `&name=<bytes>`.
fn form_with_raw(browser: &Browser, fields: &ByteFields<'_>, name: &str, raw: &[u8]) -> Vec<u8> {
    let mut body = form_with_csrf(browser, fields);
    body.extend_from_slice(format!("&{name}=").as_bytes());
    body.extend_from_slice(raw);
    body
}

/// `value` as JSON bytes.
fn json_bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("JSON")
}

/// Posts `body` as `content_type` with the browser's cookies and this app's Origin, plus
/// `headers` (an `Origin` there replaces ours; an empty value sends none).
async fn post_bytes(
    browser: &Browser,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
    headers: &[(&str, String)],
) -> Page {
    let mut request = browser
        .client
        .post(format!("{}{path}", browser.address))
        .header(header::CONTENT_TYPE, content_type)
        .body(body);
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("origin")) {
        request = request.header(header::ORIGIN, browser.address.as_str());
    }
    for (name, value) in headers.iter().filter(|(_, value)| !value.is_empty()) {
        request = request.header(*name, value.as_str());
    }
    read(request.send().await.expect("POST")).await
}

async fn read(response: reqwest::Response) -> Page {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.expect("body");
    Page { status, headers, body }
}

/// `valid` with the fields of `changes` replaced (or added).
fn with<'n, V: Copy>(valid: &[(&'n str, V)], changes: &[(&'n str, V)]) -> Vec<(&'n str, V)> {
    let mut fields: Vec<_> = valid
        .iter()
        .copied()
        .filter(|(name, _)| !changes.iter().any(|(changed, _)| changed == name))
        .collect();
    fields.extend_from_slice(changes);
    fields
}

/// An answer of the API.
struct Answer {
    status: u16,
    content_type: String,
    text: String,
    json: Value,
}

/// A request body for the API.
enum Body {
    Json(Value),
    Raw(&'static str, Vec<u8>),
    Empty,
}

async fn call(app: &TestApp, method: Method, path: &str, token: &str, body: Body) -> Answer {
    let mut request =
        reqwest::Client::new().request(method, format!("{}{path}", app.address)).bearer_auth(token);
    request = match body {
        Body::Json(value) => request.json(&value),
        Body::Raw("", bytes) => request.body(bytes),
        Body::Raw(content_type, bytes) => request.header(header::CONTENT_TYPE, content_type).body(bytes),
        Body::Empty => request,
    };
    let response = request.send().await.expect("API request");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, content_type, text, json }
}

// The world ------------------------------------------------------------------------------

/// What belongs to the other agency of the seed.
struct Foreign {
    agency: Uuid,
    owner: Uuid,
    sub_account: Uuid,
}

/// The other agency's ids, with a sub-account made for it.
fn foreign(db: &mut Db) -> Foreign {
    let agency = db.id("SELECT id FROM agencies WHERE name = 'Other Agency'");
    let owner = db.id(&format!("SELECT id FROM users WHERE email = '{}'", people::OTHER_OWNER));
    let sub_account = private_integrations::db::agencies::create_sub_account(
        &mut db.0,
        AgencyId(agency),
        &DisplayName::parse("Other Clinic").expect("name"),
        Utc::now(),
    )
    .expect("a sub-account of the other agency")
    .id
    .0;
    Foreign { agency, owner, sub_account }
}

fn user_id(db: &mut Db, email: &str) -> Uuid {
    db.id(&format!("SELECT id FROM users WHERE email = '{email}'"))
}

/// The id at the end of an integration's URL.
fn id_in(url: &str) -> String {
    url.rsplit('/').next().expect("an id").to_owned()
}

fn setup_path(app: &TestApp) -> String {
    let link = app.setup_link.as_deref().expect("a set-up link on an empty database");
    link.splitn(4, '/').nth(3).map(|path| format!("/{path}")).expect("a path")
}

/// `text` as an SQL string literal.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

const GATEWAY_SECRET: &str = "a resource server secret, long enough";

/// An app whose rate limit does not trip at the catalogue's pace, with an agency token
/// for every write, a sub-account token, and the other agency's ids.
async fn api_world() -> (TestApp, World, String, String, Foreign) {
    let app = TestApp::spawn_with(Options {
        env: vec![
            ("RATE_LIMIT_BURST", "100000".to_owned()),
            ("RESOURCE_SERVER_SECRET", GATEWAY_SECRET.to_owned()),
        ],
        database: None,
        database_url: None,
    })
    .await;
    let world = seed(&mut app.conn());
    let other = foreign(&mut Db::of(&app));
    app.sign_in(people::OWNER, PASSWORD).await;
    let scopes =
        ["companies.readonly", "locations.readonly", "locations.write", "users.readonly", "users.write"];
    let (_, agency) = create_integration(&app, AGENCY, "Provisioner", &scopes).await;
    let base = format!("/locations/{}/settings/private-integrations", world.sub_a);
    let scopes = ["locations.readonly", "users.readonly", "users.write"];
    let (_, sub) = create_integration(&app, &base, "Front desk", &scopes).await;
    (app, world, agency, sub, other)
}
// 1. Sign in ------------------------------------------------------------------------------

#[tokio::test]
async fn sign_in_refuses_hostile_credentials_signs_nobody_in_and_shows_the_address_escaped() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    let mut catalogue = Catalogue::new(&app);
    let visitor = app.new_browser();
    visitor.get("/sign-in").await;
    let (wrong, enter) = ("Incorrect email or password.", "Enter your email address and password.");
    let (owner, admin) = (people::OWNER, people::ADMIN_A);
    let (comment, nul) = (format!("{owner}'--"), format!("{owner}\u{0}"));
    let (bidi, bom) = (format!("{owner}\u{202E}"), format!("\u{FEFF}{owner}"));
    let long_address = format!("{}@acme.test", "a".repeat(250));
    let long_password = "p".repeat(60_000);
    let markup_address = "\"><img/src=x/onerror=alert(1)>@evil.test";
    let cases = [
        case("a script tag as the address", (SCRIPT, "x"), 422, enter),
        case("an attribute breakout as the address", (IMG, "x"), 422, enter),
        case("markup inside a well-formed address", (markup_address, PASSWORD), 401, wrong),
        case("a javascript: URL as the address", ("javascript:alert(1)//@evil.test", "x"), 401, wrong),
        case("an SQL tautology as the address", (SQL_OR, PASSWORD), 422, enter),
        case("an SQL comment after a real address", (comment.as_str(), PASSWORD), 401, wrong),
        case("an SQL tautology as the password", (owner, "' OR '1'='1"), 401, wrong),
        case("an SQL statement as the password", (owner, SQL_DROP), 401, wrong),
        case("a NUL after the address", (nul.as_str(), PASSWORD), 422, enter),
        case("a right-to-left override in the address", (bidi.as_str(), PASSWORD), 422, enter),
        case("a byte order mark before the address", (bom.as_str(), PASSWORD), 422, enter),
        case("a zero-width space in the address", ("own\u{200B}er@acme.test", PASSWORD), 422, enter),
        case("a look-alike (Cyrillic о) address", ("\u{43E}wner@acme.test", PASSWORD), 401, wrong),
        case("an address over 254 characters", (long_address.as_str(), PASSWORD), 422, enter),
        case("a 60,000-character password", (admin, long_password.as_str()), 401, wrong),
        case("no password", (owner, ""), 422, enter),
    ];
    for c in &cases {
        let (email, password) = c.input;
        let fields = [("email", email), ("password", password)];
        let sent = visitor.post_form("/sign-in", &fields);
        let page = catalogue.page(&c.what, c.status, Some(c.says), sent).await;
        catalogue.findings.echoes(&c.what, &page, "email", email.trim());
        catalogue.findings.check(page.cookie("pi_session").is_none(), &c.what, || "a session began".into());
    }

    let (owner_bytes, password) = (owner.as_bytes(), PASSWORD.as_bytes());
    let huge = "p".repeat(OVERSIZED);
    let json = json_bytes(&json!({ "csrf_token": visitor.csrf(), "email": owner, "password": PASSWORD }));
    let multipart = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{}\r\n--XyZ--\r\n",
        visitor.csrf().expect("csrf")
    );
    let form = |fields: &[(&str, &[u8])]| form_with_csrf(&visitor, fields);
    let raw = [
        case(
            "a body over 64 KiB",
            (FORM, form(&[("email", owner_bytes), ("password", huge.as_bytes())])),
            413,
            TOO_MUCH,
        ),
        case(
            "the email field twice (nobody's, then the owner's)",
            (FORM, form(&[("email", b"nobody@acme.test"), ("email", owner_bytes), ("password", password)])),
            400,
            BAD_REQUEST,
        ),
        // A field that is not UTF-8 is refused before anything is looked up.
        case(
            "invalid UTF-8 in the address, percent-encoded",
            (FORM, form(&[("email", b"own\xE9r@acme.test"), ("password", password)])),
            400,
            BAD_REQUEST,
        ),
        case(
            "invalid UTF-8 in the address, as raw bytes",
            (FORM, form_with_raw(&visitor, &[("password", password)], "email", b"own\xE9r%40acme.test")),
            400,
            BAD_REQUEST,
        ),
        case("JSON instead of a form", (JSON, json), 403, CSRF_REFUSED),
        case(
            "a multipart body",
            ("multipart/form-data; boundary=XyZ", multipart.into_bytes()),
            403,
            CSRF_REFUSED,
        ),
    ];
    for c in raw {
        let (content_type, body) = c.input;
        let sent = post_bytes(&visitor, "/sign-in", content_type, body, &[]);
        catalogue.page(&c.what, c.status, Some(c.says), sent).await;
    }
    let signed_in = catalogue.db.count("SELECT count(*) FROM audit_events WHERE action = 'user.sign_in'");
    catalogue.findings.check(signed_in == 0, "after every case", || "somebody signed in".into());
    catalogue.finish();
    // Nor is the owner locked out by any of it.
    app.new_browser().sign_in(owner, PASSWORD).await;
}

// 2. Set-up -------------------------------------------------------------------------------

#[tokio::test]
async fn setup_refuses_hostile_input_and_made_up_links_then_stores_markup_as_text() {
    let app = TestApp::spawn().await;
    let path = setup_path(&app);
    let mut catalogue = Catalogue::new(&app);
    app.get(&path).await;
    let valid = [
        ("agency_name", "Acme Agency"),
        ("name", "Ada Admin"),
        ("email", "ada@acme.test"),
        ("password", "correct horse battery"),
        ("password_confirmation", "correct horse battery"),
    ];
    let (long, short, too_long) = ("a".repeat(101), "a".repeat(11), "a".repeat(257));
    let huge = "a".repeat(OVERSIZED);
    let mut cases = vec![
        case(
            "a script tag as the agency name, a NUL in the name",
            vec![("agency_name", SCRIPT), ("name", "Ada\u{0}")],
            422,
            CONTROL,
        ),
        case(
            "an attribute breakout as the name, no address",
            vec![("name", IMG), ("email", "ada@")],
            422,
            EMAIL_SHAPE,
        ),
        case("a javascript: URL as the address", vec![("email", JS_URL)], 422, EMAIL_SHAPE),
        case("an SQL tautology as the address", vec![("email", SQL_OR)], 422, EMAIL_SHAPE),
        case(
            "an SQL statement as the confirmation",
            vec![("password_confirmation", SQL_DROP)],
            422,
            "The passwords don't match.",
        ),
        case("a 101-character agency name", vec![("agency_name", long.as_str())], 422, TOO_LONG),
        case(
            "an 11-character password",
            vec![("password", &short), ("password_confirmation", &short)],
            422,
            PASSWORD_SHORT,
        ),
        case(
            "a 257-character password",
            vec![("password", &too_long), ("password_confirmation", &too_long)],
            422,
            PASSWORD_LONG,
        ),
        case("a body over 64 KiB", vec![("agency_name", huge.as_str())], 413, TOO_MUCH),
    ];
    for (what, text, message) in tricky_names() {
        cases.push(case(format!("an agency name with {what}"), vec![("agency_name", text)], 422, message));
        cases.push(case(format!("a person's name with {what}"), vec![("name", text)], 422, message));
    }
    for c in &cases {
        let page = catalogue
            .page(&c.what, c.status, Some(c.says), app.post_form(&path, &with(&valid, &c.input)))
            .await;
        // What was typed comes back in its field, as text (a password never does).
        for (field, typed) in
            c.input.iter().filter(|(field, _)| c.status == 422 && !field.starts_with("password"))
        {
            catalogue.findings.echoes(&c.what, &page, field, typed);
        }
    }

    let valid_bytes: Vec<(&str, &[u8])> =
        valid.iter().map(|(name, value)| (*name, value.as_bytes())).collect();
    let mut twice = valid_bytes.clone();
    twice.push(("agency_name", b"Second"));
    let markup_link = format!("/setup/{}", percent(SCRIPT.as_bytes()));
    let json = json_bytes(&json!({ "csrf_token": app.csrf(), "agency_name": "Acme" }));
    let raw = [
        case(
            "a made-up link",
            ("/setup/not-the-link", FORM, form_with_csrf(&app, &valid_bytes)),
            404,
            NOT_FOUND,
        ),
        case(
            "a link made of markup",
            (markup_link.as_str(), FORM, form_with_csrf(&app, &valid_bytes)),
            404,
            NOT_FOUND,
        ),
        case("the agency name twice", (path.as_str(), FORM, form_with_csrf(&app, &twice)), 400, BAD_REQUEST),
        case("JSON instead of a form", (path.as_str(), JSON, json), 403, CSRF_REFUSED),
    ];
    for c in raw {
        let (target, content_type, body) = c.input;
        catalogue
            .page(&c.what, c.status, Some(c.says), post_bytes(&app, target, content_type, body, &[]))
            .await;
    }

    // Markup and quotes that are valid text are stored as typed, and shown escaped.
    let agency_name = format!("{SCRIPT} & Co");
    let typed =
        [("agency_name", agency_name.as_str()), ("name", ORDINARY[0]), ("email", "o'brien@acme.test")];
    let done = app.post_form(&path, &with(&valid, &typed)).await;
    assert_eq!(done.status, 303, "{}", gist(&done));
    assert_eq!(catalogue.db.text("SELECT name FROM agencies"), agency_name);
    assert_eq!(catalogue.db.text("SELECT name || ' ' || email FROM users"), "Zoë’s café o'brien@acme.test");
    let shell = app.follow(app.get("/settings").await).await;
    catalogue.findings.page("the Settings after set-up", &shell, 200, Some(&agency_name));
    catalogue.page("the used link", 404, Some(NOT_FOUND), app.post_form(&path, &valid)).await;
    catalogue.finish();
}

// 3. The create and edit wizards ----------------------------------------------------------

/// Step 1 (name and description) at `action`: hostile text is refused with its message and
/// comes back, escaped, in its field; unusual but ordinary text goes on to step 2. Step 1
/// keeps only a draft in the session: nothing reaches the database either way.
async fn hostile_details(catalogue: &mut Catalogue, browser: &Browser, action: &str) {
    browser.get(action).await;
    let (long, long_accented, accented) = ("n".repeat(101), "é".repeat(101), "é".repeat(100));
    let (long_description, huge) = ("d".repeat(501), "d".repeat(OVERSIZED));
    let description_too_long = Some("Description must be at most 500 characters (it has 501).");
    let bad_description = Some(DESCRIPTION_CHARACTERS);
    let mut cases = vec![
        case("a script tag as the name, a NUL in the description", (SCRIPT, "a\u{0}b"), 422, bad_description),
        case("an attribute breakout as the description, no name", ("", IMG), 422, Some(REQUIRED)),
        case("a javascript: URL as the description, no name", ("", JS_URL), 422, Some(REQUIRED)),
        case("only (ideographic) spaces as the name", (" \u{3000} ", ""), 422, Some(REQUIRED)),
        case("a 101-character name", (long.as_str(), ""), 422, Some(TOO_LONG)),
        case("101 accented characters as the name", (long_accented.as_str(), ""), 422, Some(TOO_LONG)),
        case("a 501-character description", ("Ok", long_description.as_str()), 422, description_too_long),
        case(
            "a right-to-left override in the description",
            ("Ok", "safe\u{202E}txt.exe"),
            422,
            bad_description,
        ),
        case("a zero-width space in the description", ("Ok", "a\u{200B}b"), 422, bad_description),
        case("a tab in the description", ("Ok", "a\tb"), 422, bad_description),
        case("a body over 64 KiB", ("Ok", huge.as_str()), 413, Some(TOO_MUCH)),
        // Valid text, kept as typed: on to step 2.
        case("100 accented characters as the name", (accented.as_str(), ""), 303, None),
        case("SQL metacharacters as text", (SQL_DROP, SQL_OR), 303, None),
        case("a javascript: URL as text", (JS_URL, JS_URL), 303, None),
        case("line breaks in the description", ("Ok", "line 1\r\nline 2"), 303, None),
    ];
    for (what, text, message) in tricky_names() {
        cases.push(case(format!("a name with {what}"), (text, ""), 422, Some(message)));
    }
    for text in ORDINARY {
        cases.push(case(format!("ordinary text “{text}”"), (text, text), 303, None));
    }
    for c in &cases {
        let what = format!("{action}: {}", c.what);
        let (name, description) = c.input;
        let fields = [("name", name), ("description", description)];
        let sent = browser.post_form(action, &fields);
        let page = catalogue.page(&what, c.status, c.says, sent).await;
        if c.status == 422 {
            catalogue.findings.echoes(&what, &page, "name", name.trim());
            catalogue.findings.echoes(&what, &page, "description", description.trim());
        } else if c.status == 303 {
            let next = format!("{action}/scopes");
            catalogue
                .findings
                .check(page.location() == next, &what, || format!("went to {:?}", page.location()));
            browser.get(action).await;
        }
    }
    let json = json_bytes(&json!({ "csrf_token": browser.csrf(), "name": "Json" }));
    let what = format!("{action}: JSON instead of a form");
    catalogue.page(&what, 403, Some(CSRF_REFUSED), post_bytes(browser, action, JSON, json, &[])).await;
    let twice =
        form_with_csrf(browser, &[("name", b"First"), ("name", SCRIPT.as_bytes()), ("description", b"")]);
    let what = format!("{action}: the name twice");
    catalogue.page(&what, 400, Some(BAD_REQUEST), post_bytes(browser, action, FORM, twice, &[])).await;
}

/// Step 2 (scopes) at `{step_one}/scopes`, after a valid step 1: unknown, disguised and
/// other-level scopes are refused with their names shown escaped, and nothing is written.
async fn hostile_scopes(
    catalogue: &mut Catalogue,
    browser: &Browser,
    step_one: &str,
    level: &str,
    other: &str,
) {
    browser.get(step_one).await;
    let next = browser.post_form(step_one, &[("name", "Scope check"), ("description", "")]).await;
    assert_eq!(next.status, 303, "{}", gist(&next));
    let action = format!("{step_one}/scopes");
    browser.get(&action).await;
    let refused = |names: &str| Some(format!("Not available for {level} integration: {names}."));
    let many: Vec<String> = (0..3_000).map(|index| format!("x{index}.y")).collect();
    let huge = "s".repeat(OVERSIZED);
    let cases = [
        case("no scope", vec![], 422, Some("Choose at least one scope.".to_owned())),
        case("a script tag as a scope", vec![SCRIPT], 422, refused(SCRIPT)),
        case("an attribute breakout as a scope", vec![IMG], 422, refused(IMG)),
        case("an SQL tautology as a scope", vec![SQL_OR], 422, refused(SQL_OR)),
        case("a known scope and an SQL statement", vec!["users.readonly", SQL_DROP], 422, refused(SQL_DROP)),
        case("a scope with a NUL", vec!["users.readonly\u{0}"], 422, None),
        case("a scope in capitals", vec!["USERS.READONLY"], 422, refused("USERS.READONLY")),
        case("a scope with a trailing space", vec!["users.readonly "], 422, None),
        case("a scope with a right-to-left override", vec!["users.readonly\u{202E}"], 422, None),
        case("a scope of the other level", vec![other], 422, refused(other)),
        case("3,000 made-up scopes", many.iter().map(String::as_str).collect(), 422, None),
        case("a body over 64 KiB", vec![huge.as_str()], 413, Some(TOO_MUCH.to_owned())),
    ];
    for c in &cases {
        let mut fields: Vec<(&str, &str)> = c.input.iter().map(|scope| ("scopes", *scope)).collect();
        fields.push(("step", "save"));
        let what = format!("{action}: {}", c.what);
        catalogue.page(&what, c.status, c.says.as_deref(), browser.post_form(&action, &fields)).await;
    }
    // **Back** keeps whatever was ticked in the draft, and writes nothing.
    let back = browser.post_form(&action, &[("scopes", SCRIPT), ("step", "back")]);
    let back = catalogue.page(&format!("{action}: Back with made-up scopes"), 303, None, back).await;
    catalogue
        .findings
        .check(back.location() == step_one, &action, || format!("Back led to {:?}", back.location()));
    let json = json_bytes(&json!({ "csrf_token": browser.csrf(), "scopes": ["users.readonly"] }));
    let what = format!("{action}: JSON instead of a form");
    catalogue.page(&what, 403, Some(CSRF_REFUSED), post_bytes(browser, &action, JSON, json, &[])).await;
}

#[tokio::test]
async fn the_create_wizard_refuses_hostile_names_descriptions_and_scopes_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let mut catalogue = Catalogue::new(&app);
    let sub_account = format!("/locations/{}/settings/private-integrations", world.sub_a);
    for (base, level, other_level) in [
        (AGENCY, "an agency", "calendars.readonly"),
        (sub_account.as_str(), "a sub-account", "locations.write"),
    ] {
        hostile_details(&mut catalogue, &app, &format!("{base}/new")).await;
        hostile_scopes(&mut catalogue, &app, &format!("{base}/new"), level, other_level).await;
    }
    // Step 2 without a step 1 in this session goes back to step 1.
    let fresh = app.new_browser();
    fresh.sign_in(people::OWNER, PASSWORD).await;
    let step_two = format!("{AGENCY}/new/scopes");
    let sent = fresh.post_form(&step_two, &[("scopes", "users.readonly"), ("step", "save")]);
    let page = catalogue.page("step 2 without step 1", 303, None, sent).await;
    assert_eq!(page.location(), format!("{AGENCY}/new"));
    assert_eq!(catalogue.db.count("SELECT count(*) FROM integrations"), 0);
    catalogue.finish();
}

#[tokio::test]
async fn the_edit_wizard_refuses_hostile_input_and_leaves_the_integration_as_it_was() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let (agency_detail, agency_token) = create_integration(&app, AGENCY, "Mine", &["users.readonly"]).await;
    let base = format!("/locations/{}/settings/private-integrations", world.sub_a);
    let (sub_detail, _) = create_integration(&app, &base, "Dental", &["contacts.readonly"]).await;
    let mut catalogue = Catalogue::new(&app);
    for (detail, level, other_level) in [
        (&agency_detail, "an agency", "calendars.readonly"),
        (&sub_detail, "a sub-account", "locations.write"),
    ] {
        hostile_details(&mut catalogue, &app, &format!("{detail}/edit")).await;
        hostile_scopes(&mut catalogue, &app, &format!("{detail}/edit"), level, other_level).await;
    }
    let id = id_in(&agency_detail);
    let held = catalogue.db.text(&format!(
        "SELECT name || ' ' || array_to_string(scopes, ',') FROM integrations WHERE id = '{id}'"
    ));
    assert_eq!(held, "Mine users.readonly");
    let (status, _) = crate::api::Api::new(&app).get("/v2/users/", Some(&agency_token)).await;
    assert_eq!(status, 200, "its token still works");
    catalogue.finish();
}

// 4. Stored payloads ----------------------------------------------------------------------

#[tokio::test]
async fn markup_sql_and_formulas_are_stored_as_typed_and_shown_escaped_on_every_page() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let mut db = Db::of(&app);
    let mut findings = Findings::default();
    let formula = "=HYPERLINK(\"http://evil.test\",\"x\")";
    let entries = [
        (SCRIPT, IMG),
        (SQL_DROP, JS_URL),
        (formula, SQL_OR),
        (ORDINARY[0], "Zoe\u{308}’s cafe\u{301} — O'Brien & Sons\nline two"),
    ];
    let mut details = Vec::new();
    for (name, description) in entries {
        app.get(&format!("{AGENCY}/new")).await;
        let next =
            app.post_form(&format!("{AGENCY}/new"), &[("name", name), ("description", description)]).await;
        assert_eq!(next.status, 303, "{name}: {}", gist(&next));
        // The same scope ticked three times is held once.
        let scopes =
            [("scopes", "users.readonly"), ("scopes", "users.readonly"), ("scopes", "users.readonly")];
        let created =
            app.post_form(&format!("{AGENCY}/new/scopes"), &with(&scopes, &[("step", "save")])).await;
        assert_eq!(created.status, 303, "{name}: {}", gist(&created));
        findings.page(
            &format!("the reveal page of {name:?}"),
            &app.get(created.location()).await,
            200,
            Some(name),
        );
        let detail = created.location().trim_end_matches("/reveal").to_owned();
        let stored = db.text(&format!(
            "SELECT name || '|' || description || '|' || array_to_string(scopes, ',') \
             FROM integrations WHERE id = '{}'",
            id_in(&detail)
        ));
        let expected = format!("{name}|{description}|users.readonly");
        findings.check(stored == expected, name, || format!("stored as {stored:?}"));
        details.push((name, detail));
    }
    // A person with markup in their name and address.
    let (person_name, person_email) = (IMG, "<b>x</b>@acme.test");
    app.get("/settings/team/new").await;
    let person = [("name", person_name), ("email", person_email), ("role", "agency_user")];
    let added =
        app.post_form("/settings/team/new", &with(&person, &[("password", "long enough password")])).await;
    assert_eq!(added.status, 303, "{}", gist(&added));
    let person = added.location().to_owned();
    let stored = db.text(&format!("SELECT name || '|' || email FROM users WHERE id = '{}'", id_in(&person)));
    findings.check(stored == format!("{person_name}|{person_email}"), "the person", || {
        format!("stored {stored:?}")
    });

    let mut pages: Vec<(String, String, &str)> = vec![
        ("the list".into(), AGENCY.into(), SCRIPT),
        ("the audit log".into(), "/settings/audit-log".into(), SCRIPT),
        ("the team".into(), "/settings/team".into(), person_name),
        ("the person's page".into(), person.clone(), person_name),
        ("My Staff".into(), format!("/locations/{}/settings/my-staff", world.sub_a), "Alpha Dental"),
    ];
    for (name, detail) in &details {
        for (page, suffix) in [
            ("detail", ""),
            ("edit step 1", "/edit"),
            ("delete confirmation", "/delete"),
            ("rotate-later confirmation", "/rotate-later"),
            ("rotate-now confirmation", "/rotate-now"),
        ] {
            pages.push((format!("the {page} of {name:?}"), format!("{detail}{suffix}"), *name));
        }
        let filtered = format!("/settings/audit-log?integration={}", id_in(detail));
        pages.push((format!("the audit log filtered on {name:?}"), filtered, *name));
    }
    for (case, path, shows) in &pages {
        findings.page(case, &app.get(path).await, 200, Some(shows));
    }
    let edit = format!("{}/edit", details[0].1);
    let step_one = app.get(&edit).await;
    findings.echoes("edit step 1", &step_one, "name", SCRIPT);
    findings.echoes("edit step 1", &step_one, "description", IMG);
    let next = app.post_form(&edit, &[("name", SCRIPT), ("description", IMG)]).await;
    assert_eq!(next.status, 303, "{}", gist(&next));
    findings.page("edit step 2", &app.get(&format!("{edit}/scopes")).await, 200, Some(SCRIPT));

    // The CSV export keeps a formula as text.
    let csv = app.get("/settings/audit-log.csv").await;
    let defused = "\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\"";
    findings.check(csv.status == 200 && csv.body.contains(defused), "the CSV export", || {
        format!("answered {} without the formula defused:\n{}", csv.status, csv.body)
    });
    assert!(findings.0.is_empty(), "{}", findings.0.join("\n"));
}

// 5. Other tenants' and malformed ids -----------------------------------------------------

#[tokio::test]
async fn other_tenants_and_malformed_ids_are_not_found_on_every_dashboard_route_and_change_nothing() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    let mut catalogue = Catalogue::new(&app);
    let other = foreign(&mut catalogue.db);
    let them = app.new_browser();
    them.sign_in(people::OTHER_OWNER, PASSWORD).await;
    let (theirs, _) = create_integration(&them, AGENCY, "Foreign app", &["users.readonly"]).await;
    app.sign_in(people::OWNER, PASSWORD).await;
    let sub_b = format!("/locations/{}/settings/private-integrations", world.sub_b);
    let (sub_b_detail, _) = create_integration(&app, &sub_b, "Beta app", &["contacts.readonly"]).await;
    let (mine, _) = create_integration(&app, AGENCY, "Mine", &["users.readonly"]).await;
    let user_a = user_id(&mut catalogue.db, people::USER_A);
    let sub_a = format!("/locations/{}/settings/private-integrations", world.sub_a);
    let other_sub = format!("/locations/{}/settings/private-integrations", other.sub_account);

    let bad_ids = [
        ("the nil UUID", Uuid::nil().to_string()),
        ("not a UUID", "not-a-uuid".to_owned()),
        ("an SQL tautology", percent(b"1' OR '1'='1")),
        ("a script tag", percent(SCRIPT.as_bytes())),
        ("a path traversal", "..%2F..%2Fteam".to_owned()),
        ("a 2,000-character id", "7".repeat(2_000)),
    ];
    // Integrations: another agency's, a sub-account's under the agency, an agency's under a
    // sub-account, a sibling sub-account's, one under another agency's sub-account, and
    // ids that name nothing.
    let mut integrations = vec![
        ("another agency's integration".to_owned(), format!("{AGENCY}/{}", id_in(&theirs))),
        ("a sub-account's integration under the agency".into(), format!("{AGENCY}/{}", id_in(&sub_b_detail))),
        ("an agency integration under a sub-account".into(), format!("{sub_a}/{}", id_in(&mine))),
        (
            "sub-account B's integration under sub-account A".into(),
            format!("{sub_a}/{}", id_in(&sub_b_detail)),
        ),
        ("an integration under another agency's sub-account".into(), format!("{other_sub}/{}", id_in(&mine))),
    ];
    integrations.extend(bad_ids.iter().map(|(what, id)| ((*what).to_owned(), format!("{AGENCY}/{id}"))));
    let edit = [("name", "Pwned"), ("description", "")];
    let scopes = [("scopes", "users.write"), ("step", "save")];
    let posts: [(&str, &[(&str, &str)]); 7] = [
        ("/edit", &edit),
        ("/edit/scopes", &scopes),
        ("/rotate-later", &[]),
        ("/rotate-now", &[]),
        ("/cancel-rotation", &[]),
        ("/expire-now", &[]),
        ("/delete", &[]),
    ];
    for (what, url) in &integrations {
        for page in ["", "/reveal", "/edit", "/edit/scopes", "/rotate-later", "/rotate-now", "/delete"] {
            let what = format!("GET {page:?} of {what}");
            catalogue.page(&what, 404, Some(NOT_FOUND), app.get(&format!("{url}{page}"))).await;
        }
        for (action, fields) in posts {
            let what = format!("POST {action} of {what}");
            catalogue
                .page(&what, 404, Some(NOT_FOUND), app.post_form(&format!("{url}{action}"), fields))
                .await;
        }
    }

    // People: another agency's owner, ids that name nobody, and (from My Staff) a person
    // outside the sub-account.
    let mut persons = vec![("another agency's person".to_owned(), format!("/settings/team/{}", other.owner))];
    persons.extend(bad_ids.iter().map(|(what, id)| ((*what).to_owned(), format!("/settings/team/{id}"))));
    let outside = format!("/locations/{}/settings/my-staff/{user_a}", world.sub_b);
    persons.push(("a person outside the sub-account, from My Staff".into(), outside));
    for (what, url) in &persons {
        catalogue.page(&format!("GET the page of {what}"), 404, Some(NOT_FOUND), app.get(url)).await;
        let sent = app.post_form(url, &[("role", "agency_user")]);
        catalogue.page(&format!("POST Roles & Permissions of {what}"), 404, Some(NOT_FOUND), sent).await;
        for action in ["deactivate", "reactivate", "sign-out-everywhere"] {
            let url = format!("{url}/{action}");
            let sent = app.post_form(&url, &[]);
            catalogue.page(&format!("POST {action} of {what}"), 404, Some(NOT_FOUND), sent).await;
        }
    }

    // Contexts: another agency's sub-account, and ids that name none.
    let mut contexts = vec![("another agency's sub-account".to_owned(), other.sub_account.to_string())];
    contexts.extend(bad_ids.iter().map(|(what, id)| ((*what).to_owned(), id.clone())));
    let newcomer = [
        ("name", "Mallory"),
        ("email", "mallory@evil.test"),
        ("role", "account_admin"),
        ("password", "long enough password"),
    ];
    let pages = ["", "/private-integrations", "/private-integrations/new", "/my-staff", "/my-staff/new"];
    for (what, id) in &contexts {
        let home = format!("/locations/{id}/settings");
        for page in pages.iter().chain(&["/labs", "/audit-log", "/audit-log.csv"]) {
            let what = format!("GET {page:?} of {what}");
            catalogue.page(&what, 404, Some(NOT_FOUND), app.get(&format!("{home}{page}"))).await;
        }
        for (page, fields) in
            [("/labs", &[][..]), ("/private-integrations/new", &edit[..]), ("/my-staff/new", &newcomer[..])]
        {
            let url = format!("{home}{page}");
            let sent = app.post_form(&url, fields);
            catalogue.page(&format!("POST {page} of {what}"), 404, Some(NOT_FOUND), sent).await;
        }
    }
    // Their session is untouched, and the same routes answer for the owner's own ids: the
    // 404s above were the ids'.
    assert_eq!(them.get(AGENCY).await.status, 200, "the other agency's owner is still signed in");
    let labs = format!("/locations/{}/settings/labs", world.sub_a);
    for own in [mine.clone(), format!("{mine}/delete"), format!("/settings/team/{user_a}"), labs] {
        assert_eq!(app.get(&own).await.status, 200, "{own}");
    }
    catalogue.finish();
}

// 6. Replayed and cross-site forms --------------------------------------------------------

#[tokio::test]
async fn every_form_refuses_a_replayed_or_missing_csrf_token_and_a_foreign_or_missing_origin() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    let mut catalogue = Catalogue::new(&app);
    app.sign_in(people::OWNER, PASSWORD).await;
    let (mine, _) = create_integration(&app, AGENCY, "Mine", &["users.readonly"]).await;
    let user_a = user_id(&mut catalogue.db, people::USER_A);
    app.get(AGENCY).await;
    let own_token = app.csrf().expect("the owner's token");
    let them = app.new_browser();
    them.sign_in(people::OTHER_OWNER, PASSWORD).await;
    them.get(AGENCY).await;
    let their_token = them.csrf().expect("another session's token");
    let visitor = app.new_browser();
    visitor.get("/sign-in").await;
    let anonymous_token = visitor.csrf().expect("a signed-out visitor's token");

    let person = format!("/settings/team/{user_a}");
    let newcomer = [
        ("name", "Mallory"),
        ("email", "mallory@evil.test"),
        ("role", "agency_admin"),
        ("password", "long enough password"),
    ];
    let forms: Vec<(String, &[(&str, &str)])> = vec![
        ("/sign-out".into(), &[]),
        (format!("{AGENCY}/new"), &[("name", "Forged"), ("description", "")]),
        (format!("{AGENCY}/new/scopes"), &[("scopes", "users.write"), ("step", "save")]),
        (format!("{mine}/edit"), &[("name", "Forged"), ("description", "")]),
        (format!("{mine}/edit/scopes"), &[("scopes", "users.write"), ("step", "save")]),
        (format!("{mine}/rotate-later"), &[]),
        (format!("{mine}/rotate-now"), &[]),
        (format!("{mine}/cancel-rotation"), &[]),
        (format!("{mine}/expire-now"), &[]),
        (format!("{mine}/delete"), &[]),
        ("/settings/team/new".into(), &newcomer),
        (person.clone(), &[("role", "agency_admin"), ("manage_team", "on")]),
        (format!("{person}/deactivate"), &[]),
        (format!("{person}/reactivate"), &[]),
        (format!("{person}/sign-out-everywhere"), &[]),
        ("/settings/labs".into(), &[]),
        (format!("/locations/{}/settings/labs", world.sub_a), &[]),
        ("/sign-in".into(), &[("email", people::OWNER), ("password", PASSWORD)]),
    ];
    for (path, fields) in &forms {
        // The sign-in form is posted by a signed-out visitor, every other by the owner.
        let (browser, right, stolen): (&Browser, &str, [(&str, &str); 2]) = if path == "/sign-in" {
            (
                &visitor,
                &anonymous_token,
                [("the owner's session", &own_token), ("another person", &their_token)],
            )
        } else {
            (
                &app.browser,
                &own_token,
                [("another person's session", &their_token), ("a visitor", &anonymous_token)],
            )
        };
        let stolen = stolen.map(|(whose, token)| (format!("a token of {whose}"), Some(token.to_owned())));
        let right = Some(right.to_owned());
        let (ours, foreign) = (Some(app.address.clone()), Some("https://evil.test".to_owned()));
        let like_ours = Some(format!("{}.evil.test", app.address));
        // (case, (token in the body, Origin, Referer, the right token in the query string instead))
        let variants = [
            case(stolen[0].0.clone(), (stolen[0].1.clone(), ours.clone(), None, false), 403, ()),
            case(stolen[1].0.clone(), (stolen[1].1.clone(), ours.clone(), None, false), 403, ()),
            case("no token", (None, ours.clone(), None, false), 403, ()),
            case("an empty token", (Some(String::new()), ours.clone(), None, false), 403, ()),
            case(
                "the token and a character",
                (right.as_ref().map(|token| format!("{token}x")), ours.clone(), None, false),
                403,
                (),
            ),
            case("the token in the query string only", (None, ours.clone(), None, true), 403, ()),
            case("the right token without Origin or Referer", (right.clone(), None, None, false), 403, ()),
            case(
                "the right token from a foreign Origin",
                (right.clone(), foreign.clone(), None, false),
                403,
                (),
            ),
            case(
                "the right token from Origin: null",
                (right.clone(), Some("null".into()), None, false),
                403,
                (),
            ),
            case(
                "the right token from an Origin like ours",
                (right.clone(), like_ours, None, false),
                403,
                (),
            ),
            case(
                "the right token, a foreign Referer, no Origin",
                (right.clone(), None, foreign, false),
                403,
                (),
            ),
        ];
        for v in variants {
            let (token, origin, referer, in_query) = v.input;
            let mut body: Vec<(&str, &str)> =
                token.iter().map(|token| ("csrf_token", token.as_str())).collect();
            body.extend_from_slice(fields);
            let body = serde_html_form::to_string(&body).expect("form").into_bytes();
            let right = right.as_deref().unwrap_or_default();
            let target = if in_query { format!("{path}?csrf_token={right}") } else { path.clone() };
            let mut headers = vec![("Origin", origin.unwrap_or_default())];
            headers.extend(referer.map(|referer| ("Referer", referer)));
            let sent = post_bytes(browser, &target, FORM, body, &headers);
            catalogue.page(&format!("POST {path} with {}", v.what), v.status, Some(CSRF_REFUSED), sent).await;
        }
    }
    // Nobody was signed out or in.
    assert_eq!(app.get(AGENCY).await.status, 200, "the owner is still signed in");
    assert_eq!(visitor.get(AGENCY).await.status, 303, "the visitor is still signed out");
    // The right token from our Origin goes through: the refusals were the check's.
    let fields = [("csrf_token", own_token.as_str()), ("name", "Fine"), ("description", "")];
    let body = serde_html_form::to_string(fields).expect("form").into_bytes();
    let control = post_bytes(&app, &format!("{mine}/edit"), FORM, body, &[]).await;
    assert_eq!(control.status, 303, "{}", gist(&control));
    catalogue.finish();
}

// 7. Forged session cookies ---------------------------------------------------------------

/// Signs in through a client whose cookie jar we can read: the session cookie's value and
/// the session's CSRF token.
async fn signed_in_cookie(app: &TestApp, email: &str) -> (String, String) {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let get = |path: &str| {
        let request = client.get(format!("{}{path}", app.address));
        async move { request.send().await.expect("GET").text().await.expect("body") }
    };
    let csrf = crate::support::csrf_in_page(&get("/sign-in").await).expect("a CSRF token");
    let signed_in = client
        .post(format!("{}/sign-in", app.address))
        .header(header::ORIGIN, app.address.as_str())
        .form(&[("csrf_token", csrf.as_str()), ("email", email), ("password", PASSWORD)])
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed_in.status().as_u16(), 303, "signed in as {email}");
    let csrf = crate::support::csrf_in_page(&get(AGENCY).await).expect("the session's CSRF token");
    let url: reqwest::Url = app.address.parse().expect("url");
    let cookies = reqwest::cookie::CookieStore::cookies(&*jar, &url).expect("cookies");
    let session =
        cookies.to_str().expect("ASCII").split("; ").find_map(|pair| pair.strip_prefix("pi_session="));
    (session.expect("a session cookie").to_owned(), csrf)
}

#[tokio::test]
async fn forged_session_cookies_are_treated_as_signed_out_never_as_someone() {
    use actix_web::cookie::{Cookie, CookieJar, Key};
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    let mut catalogue = Catalogue::new(&app);
    let (genuine, csrf) = signed_in_cookie(&app, people::OWNER).await;
    app.sign_in(people::OWNER, PASSWORD).await;
    let (detail, _) = create_integration(&app, AGENCY, "Mine", &["users.readonly"]).await;

    // actix-web signs a cookie as base64(HMAC-SHA256) (44 characters) followed by the value.
    let (signature, key) = genuine.split_at(44);
    let sign_with = |secret: &Key, value: &str| {
        let mut jar = CookieJar::new();
        jar.signed_mut(secret).add(Cookie::new("pi_session", value.to_owned()));
        jar.get("pi_session").expect("signed").value().to_owned()
    };
    let flipped = |text: &str, at: usize| {
        let mut chars: Vec<char> = text.chars().collect();
        chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect::<String>()
    };
    let elsewhere = TestApp::spawn().await;
    seed(&mut elsewhere.conn());
    let (from_elsewhere, _) = signed_in_cookie(&elsewhere, people::OWNER).await;
    let forged = [
        ("the value tampered with", format!("{signature}{}", flipped(key, key.len() - 1))),
        ("the signature tampered with", format!("{}{key}", flipped(signature, 0))),
        ("the session key signed with another key", sign_with(&Key::generate(), key)),
        ("the session key unsigned", key.to_owned()),
        ("a session of another installation", from_elsewhere),
        ("an empty value", String::new()),
        ("markup", SCRIPT.to_owned()),
        ("an SQL tautology", percent(SQL_OR.as_bytes())),
        ("4,000 characters", "A".repeat(4_000)),
    ];
    let plain =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let with_cookie = |request: reqwest::RequestBuilder, value: &str| {
        let request = request.header(header::COOKIE, format!("pi_session={value}"));
        async move { read(request.send().await.expect("request")).await }
    };
    let delete = serde_html_form::to_string([("csrf_token", csrf.as_str())]).expect("form");
    for (what, value) in &forged {
        let list = with_cookie(plain.get(format!("{}{AGENCY}", app.address)), value);
        let page = catalogue.page(&format!("GET the list with {what}"), 303, None, list).await;
        catalogue
            .findings
            .check(page.location() == "/sign-in", what, || format!("sent to {:?}", page.location()));
        let post = plain
            .post(format!("{}{detail}/delete", app.address))
            .header(header::ORIGIN, app.address.as_str())
            .header(header::CONTENT_TYPE, FORM)
            .body(delete.clone());
        let sent = with_cookie(post, value);
        catalogue.page(&format!("POST delete with {what}"), 403, Some(CSRF_REFUSED), sent).await;
    }
    // The genuine cookie works: the refusals were the forgeries'.
    let page = with_cookie(plain.get(format!("{}{AGENCY}", app.address)), &genuine).await;
    assert_eq!(page.status, 200, "the genuine cookie is accepted");
    catalogue.finish();
}

// 8. Team and My Staff --------------------------------------------------------------------

#[tokio::test]
async fn team_and_my_staff_forms_refuse_hostile_people_roles_and_sub_accounts() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    let mut catalogue = Catalogue::new(&app);
    let other = foreign(&mut catalogue.db);
    app.sign_in(people::OWNER, PASSWORD).await;
    let owner = world.owner.to_string();
    let user_a = user_id(&mut catalogue.db, people::USER_A).to_string();
    let (sub_a, foreign_sub, nil) =
        (world.sub_a.to_string(), other.sub_account.to_string(), Uuid::nil().to_string());

    // Settings > Team > new person.
    app.get("/settings/team/new").await;
    let valid = [
        ("name", "Nia Newcomer"),
        ("email", "nia@acme.test"),
        ("role", "agency_user"),
        ("password", "long enough password"),
    ];
    let taken = people::OWNER.to_uppercase();
    let (long, short, too_long, huge) =
        ("n".repeat(101), "a".repeat(11), "a".repeat(257), "n".repeat(OVERSIZED));
    let breakout = format!("{IMG}@acme.test");
    let needs_sub = "Choose at least one sub-account for an account role.";
    fn account(sub: &str) -> Vec<(&'static str, &str)> {
        vec![("role", "account_user"), ("sub_accounts", sub)]
    }
    let mut cases = vec![
        case(
            "a script tag as the name, no address",
            vec![("name", SCRIPT), ("email", "nia@")],
            422,
            EMAIL_SHAPE,
        ),
        case("an attribute breakout in the address", vec![("email", breakout.as_str())], 422, EMAIL_SHAPE),
        case("an SQL tautology as the address", vec![("email", SQL_OR)], 422, EMAIL_SHAPE),
        case("a NUL in the address", vec![("email", "nia@acme.test\u{0}")], 422, EMAIL_SHAPE),
        case(
            "a right-to-left override in the address",
            vec![("email", "nia@acme\u{202E}.test")],
            422,
            EMAIL_SHAPE,
        ),
        case(
            "a taken address in capitals",
            vec![("email", &taken)],
            422,
            "A user with this email already exists.",
        ),
        case("a 101-character name", vec![("name", long.as_str())], 422, TOO_LONG),
        case("an SQL tautology as the role", vec![("role", SQL_OR)], 422, "Choose a role."),
        case("a role in capitals", vec![("role", "AGENCY_ADMIN")], 422, "Choose a role."),
        case("an account role with another agency's sub-account", account(&foreign_sub), 422, needs_sub),
        case("an account role with a made-up sub-account", account(&nil), 422, needs_sub),
        case("a sub-account id that is not a UUID", account(SQL_OR), 400, BAD_REQUEST),
        case("an 11-character password", vec![("password", short.as_str())], 422, PASSWORD_SHORT),
        case("a 257-character password", vec![("password", too_long.as_str())], 422, PASSWORD_LONG),
        case("a body over 64 KiB", vec![("name", huge.as_str())], 413, TOO_MUCH),
    ];
    for (what, text, message) in tricky_names() {
        cases.push(case(format!("a name with {what}"), vec![("name", text)], 422, message));
    }
    for c in &cases {
        let what = format!("Team > new: {}", c.what);
        let page = catalogue
            .page(&what, c.status, Some(c.says), app.post_form("/settings/team/new", &with(&valid, &c.input)))
            .await;
        for (field, typed) in
            c.input.iter().filter(|(field, _)| c.status == 422 && ["name", "email"].contains(field))
        {
            catalogue.findings.echoes(&what, &page, field, typed);
        }
    }
    let json = json_bytes(
        &json!({ "csrf_token": app.csrf(), "name": "Json", "email": "j@acme.test", "role": "agency_user" }),
    );
    let sent = post_bytes(&app, "/settings/team/new", JSON, json, &[]);
    catalogue.page("Team > new: JSON instead of a form", 403, Some(CSRF_REFUSED), sent).await;
    let valid_bytes: Vec<(&str, &[u8])> =
        valid.iter().map(|(name, value)| (*name, value.as_bytes())).collect();
    let mut twice = valid_bytes.clone();
    twice.push(("role", b"agency_admin"));
    let sent = post_bytes(&app, "/settings/team/new", FORM, form_with_csrf(&app, &twice), &[]);
    catalogue.page("Team > new: the role twice", 400, Some(BAD_REQUEST), sent).await;

    // Roles & Permissions: a refusal comes back as a flash on the person's page.
    let person = format!("/settings/team/{user_a}");
    app.get(&person).await;
    let (offered, choose_sub) =
        ("Choose one of the roles offered.", "Choose at least one sub-account for an account role.");
    let both =
        [("role", "account_user"), ("sub_accounts", sub_a.as_str()), ("sub_accounts", foreign_sub.as_str())];
    let flashes = [
        case("an SQL tautology as the role", vec![("role", SQL_OR)], 303, offered),
        case("a script tag as the role", vec![("role", SCRIPT)], 303, offered),
        case("another agency's sub-account", account(&foreign_sub), 303, choose_sub),
        case("its own sub-account and another agency's", both.to_vec(), 303, choose_sub),
    ];
    for c in &flashes {
        let what = format!("Roles & Permissions: {}", c.what);
        let page = catalogue.page(&what, c.status, None, app.post_form(&person, &c.input)).await;
        catalogue.findings.page(&what, &app.follow(page).await, 200, Some(c.says));
    }
    let twice = form_with_csrf(
        &app,
        &[("role", b"account_user"), ("role", b"agency_admin"), ("sub_accounts", sub_a.as_bytes())],
    );
    let sent = post_bytes(&app, &person, FORM, twice, &[]);
    catalogue.page("Roles & Permissions: the role twice", 400, Some(BAD_REQUEST), sent).await;
    let not_an_id = account(SCRIPT);
    let sent = app.post_form(&person, &not_an_id);
    catalogue
        .page("Roles & Permissions: a sub-account id that is not a UUID", 400, Some(BAD_REQUEST), sent)
        .await;
    let own = format!("/settings/team/{owner}");
    let sent = app.post_form(&own, &[("role", "agency_admin")]);
    catalogue.page("Roles & Permissions: their own", 403, None, sent).await;
    catalogue
        .page("their own deactivation", 403, None, app.post_form(&format!("{own}/deactivate"), &[]))
        .await;

    // My Staff, as the account admin of sub-account A.
    let admin = app.new_browser();
    admin.sign_in(people::ADMIN_A, PASSWORD).await;
    let staff = format!("/locations/{sub_a}/settings/my-staff");
    admin.get(&format!("{staff}/new")).await;
    let staff_cases = [
        case("an agency role from My Staff", vec![("role", "agency_admin")], 422, "Choose a role."),
        case(
            "a script tag as the name, an SQL address",
            vec![("name", SCRIPT), ("email", SQL_DROP)],
            422,
            EMAIL_SHAPE,
        ),
        case("a right-to-left override in the name", vec![("name", "Ann\u{202E}")], 422, FORMATTING),
    ];
    for c in &staff_cases {
        let fields = with(&with(&valid, &[("role", "account_user")]), &c.input);
        let what = format!("My Staff > new: {}", c.what);
        catalogue
            .page(&what, c.status, Some(c.says), admin.post_form(&format!("{staff}/new"), &fields))
            .await;
    }
    admin.get(&format!("{staff}/{user_a}")).await;
    let what = "My Staff: an agency role for a member";
    let page = catalogue
        .page(what, 303, None, admin.post_form(&format!("{staff}/{user_a}"), &[("role", "agency_admin")]))
        .await;
    catalogue.findings.page(what, &admin.follow(page).await, 200, Some(offered));
    for action in ["", "/deactivate", "/sign-out-everywhere"] {
        let url = format!("{staff}/{owner}{action}");
        let sent = admin.post_form(&url, &[("role", "account_user")]);
        catalogue
            .page(&format!("My Staff: {action:?} of the agency owner"), 404, Some(NOT_FOUND), sent)
            .await;
    }
    catalogue.finish();
}

// 9. Labs ---------------------------------------------------------------------------------

#[tokio::test]
async fn labs_refuses_other_contexts_people_without_the_permission_and_malformed_forms() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    let mut catalogue = Catalogue::new(&app);
    let other = foreign(&mut catalogue.db);
    app.sign_in(people::OWNER, PASSWORD).await;
    let user = app.new_browser();
    user.sign_in(people::USER_A, PASSWORD).await;
    let admin = app.new_browser();
    admin.sign_in(people::ADMIN_A, PASSWORD).await;
    let sub_labs = format!("/locations/{}/settings/labs", world.sub_a);
    let other_labs = format!("/locations/{}/settings/labs", other.sub_account);
    let huge = "x".repeat(OVERSIZED);
    let owner: &Browser = &app.browser;
    let cases = [
        case("another agency's sub-account", (owner, other_labs.as_str(), vec![]), 404, Some(NOT_FOUND)),
        case(
            "a sub-account id that is not a UUID",
            (owner, "/locations/not-a-uuid/settings/labs", vec![]),
            404,
            Some(NOT_FOUND),
        ),
        case("an account user", (&user, sub_labs.as_str(), vec![]), 403, None),
        case(
            "an account admin, on the agency's Labs",
            (&admin, "/settings/labs", vec![]),
            404,
            Some(NOT_FOUND),
        ),
        case(
            "a body over 64 KiB",
            (owner, "/settings/labs", vec![("private_integrations", huge.as_str())]),
            413,
            Some(TOO_MUCH),
        ),
    ];
    for c in &cases {
        let (browser, path, fields) = &c.input;
        browser.get(&sub_labs).await;
        catalogue.page(&format!("Labs: {}", c.what), c.status, c.says, browser.post_form(path, fields)).await;
    }
    app.get("/settings/labs").await;
    // Any value ticks the box; the toggle is on already, so nothing changes.
    let sent = app.post_form("/settings/labs", &[("private_integrations", SCRIPT)]);
    catalogue.page("Labs: markup as the checkbox's value", 303, None, sent).await;
    app.get("/settings/labs").await;
    let twice = form_with_csrf(&app, &[("private_integrations", b"on"), ("private_integrations", b"on")]);
    catalogue
        .page(
            "Labs: the checkbox twice",
            400,
            Some(BAD_REQUEST),
            post_bytes(&app, "/settings/labs", FORM, twice, &[]),
        )
        .await;
    let json = json_bytes(&json!({ "csrf_token": app.csrf(), "private_integrations": "on" }));
    let sent = post_bytes(&app, "/settings/labs", JSON, json, &[]);
    catalogue.page("Labs: JSON instead of a form", 403, Some(CSRF_REFUSED), sent).await;
    catalogue.finish();
}

// 10. Audit log filters -------------------------------------------------------------------

#[tokio::test]
async fn audit_log_filters_shrug_off_hostile_queries_and_never_show_another_agency() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    let mut catalogue = Catalogue::new(&app);
    let other = foreign(&mut catalogue.db);
    let them = app.new_browser();
    them.sign_in(people::OTHER_OWNER, PASSWORD).await;
    let (theirs, _) = create_integration(&them, AGENCY, "Foreign secret app", &["users.readonly"]).await;
    app.sign_in(people::OWNER, PASSWORD).await;
    create_integration(&app, AGENCY, "Mine", &["users.readonly"]).await;
    let nil = Uuid::nil();
    let encoded = |text: &str| percent(text.as_bytes());
    let queries = [
        case("a script tag as the integration", format!("integration={}", encoded(SCRIPT)), 200, ()),
        case("an attribute breakout as the user", format!("user={}", encoded(IMG)), 200, ()),
        case("an SQL tautology as the user", format!("user={}", encoded(SQL_OR)), 200, ()),
        case("an SQL statement as the action", format!("action={}", encoded(SQL_DROP)), 200, ()),
        case("a javascript: URL as the action", format!("action={}", encoded(JS_URL)), 200, ()),
        case("another agency's integration", format!("integration={}", id_in(&theirs)), 200, ()),
        case("another agency's owner", format!("user={}", other.owner), 200, ()),
        case("invalid UTF-8 as the action", "action=%FF%FE".to_owned(), 200, ()),
        case("a NUL as the action", "action=%00".to_owned(), 200, ()),
        case("a cursor that is not one", format!("before={}", encoded(SCRIPT)), 200, ()),
        case("a cursor past the largest time", format!("before=9223372036854775807~{nil}"), 200, ()),
        case("a cursor far in the future", format!("before=8000000000000000000~{nil}"), 200, ()),
        case(
            "every filter hostile",
            format!("integration={0}&user={0}&action={0}&before={0}", encoded(SQL_OR)),
            200,
            (),
        ),
        case("the action twice", "action=integration.create&action=user.sign_in".to_owned(), 400, ()),
    ];
    for c in &queries {
        for page in ["/settings/audit-log", "/settings/audit-log.csv"] {
            let what = format!("{page}?…: {}", c.what);
            let answer = catalogue.page(&what, c.status, None, app.get(&format!("{page}?{}", c.input))).await;
            for secret in ["Foreign secret app", people::OTHER_OWNER] {
                catalogue
                    .findings
                    .check(!answer.body.contains(secret), &what, || format!("shows {secret:?}"));
            }
        }
    }
    catalogue.finish();
}
// 11. API: locations ----------------------------------------------------------------------

/// Bodies with a hostile `name` that every JSON write refuses, and what the API says.
fn hostile_name_bodies() -> Vec<Case<Body, Says>> {
    let name = |text: &str| exactly(&format!("name: {text}"));
    let raw = |text: &str| Body::Raw(JSON, text.as_bytes().to_vec());
    let mut invalid_utf8 = b"{\"name\":\"Caf".to_vec();
    invalid_utf8.extend_from_slice(b"\xE9\"}");
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let mut cases = vec![
        case("an empty name", Body::Json(json!({ "name": "" })), 422, name(REQUIRED)),
        case("a name of spaces and tabs", Body::Json(json!({ "name": " \t " })), 422, name(REQUIRED)),
        case("a 101-character name", Body::Json(json!({ "name": "n".repeat(101) })), 422, name(TOO_LONG)),
        case("a number as the name", Body::Json(json!({ "name": 42 })), 422, invalid_json()),
        case("an array as the name", Body::Json(json!({ "name": [SCRIPT] })), 422, invalid_json()),
        case(
            "an operator object as the name",
            Body::Json(json!({ "name": { "$ne": null } })),
            422,
            invalid_json(),
        ),
        case("the name twice", raw(r#"{"name":"First","name":"Second"}"#), 422, invalid_json()),
        case("invalid UTF-8 in a string", Body::Raw(JSON, invalid_utf8), 422, invalid_json()),
        case("a lone surrogate escape", raw(r#"{"name":"\ud800"}"#), 422, invalid_json()),
        case("not JSON", raw("{not json"), 422, invalid_json()),
        case("truncated JSON", raw(r#"{"name":"Gam"#), 422, invalid_json()),
        case("arrays nested 10,000 deep", raw(&deep), 422, invalid_json()),
        case("a form body", Body::Raw(FORM, b"name=Gamma".to_vec()), 422, invalid_json()),
        case(
            "JSON without a content type",
            Body::Raw("", br#"{"name":"Gamma"}"#.to_vec()),
            422,
            invalid_json(),
        ),
        case(
            "JSON as text/plain",
            Body::Raw("text/plain", br#"{"name":"Gamma"}"#.to_vec()),
            422,
            invalid_json(),
        ),
    ];
    for (what, text, message) in tricky_names() {
        cases.push(case(
            format!("a name with {what}"),
            Body::Json(json!({ "name": text })),
            422,
            name(message),
        ));
    }
    cases
}

#[tokio::test]
async fn api_location_writes_refuse_hostile_bodies_and_other_tenants_locations() {
    let (app, world, token, sub_token, other) = api_world().await;
    let mut catalogue = Catalogue::new(&app);
    let sub_a = format!("/v2/locations/{}", world.sub_a);
    let company = world.agency.to_string();
    for (method, path) in [(Method::POST, "/v2/locations/"), (Method::PUT, sub_a.as_str())] {
        for c in hostile_name_bodies() {
            let input = match c.input {
                Body::Json(mut body) if method == Method::POST => {
                    body["companyId"] = json!(company);
                    Body::Json(body)
                }
                other => other,
            };
            let request = call(&app, method.clone(), path, &token, input);
            catalogue.api(&format!("{method} {path}: {}", c.what), c.status, c.says, request).await;
        }
    }
    // Out of the token's reach: 403; not an id at all: 404.
    let at = |id: &dyn std::fmt::Display| format!("/v2/locations/{id}");
    let (sql, script) = (percent(SQL_OR.as_bytes()), percent(SCRIPT.as_bytes()));
    let cases = [
        case(
            "rename another agency's sub-account",
            (Method::PUT, at(&other.sub_account), &token),
            403,
            no_access(),
        ),
        case(
            "rename another agency, as a location",
            (Method::PUT, at(&other.agency), &token),
            403,
            no_access(),
        ),
        case("rename the nil UUID", (Method::PUT, at(&Uuid::nil()), &token), 403, no_access()),
        case(
            "delete another agency's sub-account",
            (Method::DELETE, at(&other.sub_account), &token),
            403,
            no_access(),
        ),
        // A sub-account's token cannot even hold locations.write.
        case(
            "a sub-account token renaming its sibling",
            (Method::PUT, at(&world.sub_b), &sub_token),
            403,
            scope_denied(),
        ),
        case(
            "a sub-account token deleting its sibling",
            (Method::DELETE, at(&world.sub_b), &sub_token),
            403,
            scope_denied(),
        ),
        case(
            "a sub-account token creating one",
            (Method::POST, "/v2/locations".into(), &sub_token),
            403,
            scope_denied(),
        ),
        case("rename an id that is not a UUID", (Method::PUT, at(&"not-a-uuid"), &token), 404, not_found()),
        case("rename an SQL tautology", (Method::PUT, at(&sql), &token), 404, not_found()),
        case("delete a script tag", (Method::DELETE, at(&script), &token), 404, not_found()),
    ];
    for c in cases {
        let (method, path, token) = c.input;
        let body = json!({ "name": "Pwned", "companyId": company });
        let request = call(&app, method.clone(), &path, token, Body::Json(body));
        catalogue.api(&format!("{method} {path}: {}", c.what), c.status, c.says, request).await;
    }

    // Markup, SQL and accents are names like any other: stored as typed.
    for name in [SCRIPT, SQL_DROP, ORDINARY[0], ORDINARY[1]] {
        let body = json!({ "name": name, "companyId": company });
        let answer = call(&app, Method::POST, "/v2/locations", &token, Body::Json(body)).await;
        let created = answer.status == 200 && answer.json["name"] == name;
        catalogue.findings.check(created, name, || format!("answered {} {}", answer.status, answer.text));
        let id = answer.json["id"].as_str().unwrap_or_default().to_owned();
        let query =
            format!("SELECT count(*) FROM sub_accounts WHERE id::text = '{id}' AND name = {}", quote(name));
        catalogue.findings.check(catalogue.db.count(&query) == 1, name, || "not stored as typed".into());
    }
    assert_eq!(catalogue.db.count("SELECT count(*) FROM users"), 5, "the users table is intact");
    catalogue.finish();
}

// 12. API: users --------------------------------------------------------------------------

#[tokio::test]
async fn api_user_writes_refuse_hostile_bodies_and_other_tenants_people_and_locations() {
    let (app, world, token, sub_token, other) = api_world().await;
    let mut catalogue = Catalogue::new(&app);
    let user_a = user_id(&mut catalogue.db, people::USER_A);
    let agency_user = user_id(&mut catalogue.db, people::AGENCY_USER);
    // A valid newcomer (HighLevel's CreateUserDto), with `changes` on top.
    let newcomer = |changes: Value| {
        let mut body = json!({
            "companyId": world.agency, "firstName": "Ann", "lastName": "Tester", "email": "ann@acme.test",
            "type": "agency", "role": "user", "locationIds": [],
        });
        for (key, value) in changes.as_object().into_iter().flatten() {
            body[key] = value.clone();
        }
        Body::Json(body)
    };
    // A hostile name goes in as both first and last name.
    for c in hostile_name_bodies() {
        let (body, says) = match c.input {
            Body::Json(changes) => {
                let says = match c.says {
                    Says::Exactly(text) if text.starts_with("name: ") => {
                        Says::StartsWith("firstName: ".to_owned())
                    }
                    other => other,
                };
                (newcomer(json!({ "firstName": changes["name"], "lastName": changes["name"] })), says)
            }
            // Raw bodies name the first name instead.
            Body::Raw(content_type, bytes) => {
                let mut renamed = Vec::with_capacity(bytes.len());
                let mut rest = bytes.as_slice();
                while !rest.is_empty() {
                    if let Some(after) = rest.strip_prefix(b"\"name\"") {
                        renamed.extend_from_slice(b"\"firstName\"");
                        rest = after;
                    } else {
                        renamed.push(rest[0]);
                        rest = &rest[1..];
                    }
                }
                (Body::Raw(content_type, renamed), c.says)
            }
            other => (other, c.says),
        };
        let request = call(&app, Method::POST, "/v2/users/", &token, body);
        catalogue.api(&format!("POST /v2/users/: {}", c.what), c.status, says, request).await;
    }
    let email = || exactly("email: Enter an email address such as name@example.com.");
    let role = invalid_json;
    let admins = || exactly("The token cannot manage admins");
    let taken = exactly("email: A user with this email already exists.");
    let (sub_a, sub_b, theirs) = (world.sub_a, world.sub_b, other.sub_account);
    let account = |locations: Value| json!({ "type": "account", "locationIds": locations });
    let twice = format!(
        r#"{{"companyId":"{}","firstName":"Ann","email":"ann@acme.test","type":"agency","role":"user","role":"admin"}}"#,
        world.agency
    )
    .into_bytes();
    let creates = [
        case("an SQL tautology as the address", (&token, newcomer(json!({ "email": SQL_OR }))), 422, email()),
        case("a script tag as the address", (&token, newcomer(json!({ "email": SCRIPT }))), 422, email()),
        case(
            "a NUL in the address",
            (&token, newcomer(json!({ "email": "ann@acme.test\u{0}" }))),
            422,
            email(),
        ),
        case(
            "a bidi override in the address",
            (&token, newcomer(json!({ "email": "ann@acme\u{202E}.test" }))),
            422,
            email(),
        ),
        case(
            "a taken address in capitals",
            (&token, newcomer(json!({ "email": people::OWNER.to_uppercase() }))),
            409,
            taken,
        ),
        case(
            "an SQL tautology as the role",
            (&token, newcomer(json!({ "role": "user' OR '1'='1" }))),
            422,
            role(),
        ),
        case("a role in capitals", (&token, newcomer(json!({ "role": "USER" }))), 422, role()),
        case("an admin role", (&token, newcomer(json!({ "role": "admin" }))), 403, admins()),
        case(
            "another agency as the company",
            (&token, newcomer(json!({ "companyId": other.agency }))),
            403,
            exactly("The token does not have access to this company"),
        ),
        case(
            "a permission of this product",
            (&token, newcomer(json!({ "permissions": { "manageTeam": true } }))),
            403,
            exactly("The token cannot grant permissions"),
        ),
        case("another agency's location", (&token, newcomer(account(json!([theirs])))), 403, no_access()),
        case(
            "its own location and another agency's",
            (&token, newcomer(account(json!([sub_a, theirs])))),
            403,
            no_access(),
        ),
        case(
            "a location id that is not a UUID",
            (&token, newcomer(account(json!([SQL_OR])))),
            422,
            invalid_json(),
        ),
        case(
            "a location id instead of a list",
            (&token, newcomer(account(json!(sub_a)))),
            422,
            invalid_json(),
        ),
        case("the role twice, an admin's second", (&token, Body::Raw(JSON, twice)), 422, invalid_json()),
        case(
            "a sub-account token, in its sibling",
            (&sub_token, newcomer(account(json!([sub_b])))),
            403,
            no_access(),
        ),
        case(
            "an 11-character password",
            (&token, newcomer(json!({ "password": "a".repeat(11) }))),
            422,
            exactly(&format!("password: {PASSWORD_SHORT}")),
        ),
        case(
            "a 257-character password",
            (&token, newcomer(json!({ "password": "a".repeat(257) }))),
            422,
            exactly(&format!("password: {PASSWORD_LONG}")),
        ),
    ];
    for c in creates {
        let (token, body) = c.input;
        let request = call(&app, Method::POST, "/v2/users/", token, body);
        catalogue.api(&format!("POST /v2/users/: {}", c.what), c.status, c.says, request).await;
    }

    let at = |id: &dyn std::fmt::Display| format!("/v2/users/{id}");
    let (a, plain) = (at(&user_a), at(&agency_user));
    let updates = [
        case(
            "change an address",
            (&a, json!({ "email": "new@acme.test" })),
            409,
            exactly("email: An email cannot be changed through the API."),
        ),
        case(
            "change a password",
            (&a, json!({ "password": "a new long password" })),
            422,
            exactly("password: A password cannot be changed through the API."),
        ),
        case(
            "a bidi override in a new name",
            (&a, json!({ "firstName": "Ann\u{202E}" })),
            422,
            Says::StartsWith(
                "firstName: First name cannot contain invisible formatting characters".to_owned(),
            ),
        ),
        case("a script tag as the role", (&a, json!({ "role": SCRIPT })), 422, role()),
        case(
            "move someone to another agency's location",
            (&a, json!({ "locationIds": [theirs] })),
            403,
            no_access(),
        ),
        case("promote someone to admin", (&plain, json!({ "role": "admin" })), 403, admins()),
    ];
    for c in updates {
        let (path, body) = c.input;
        let request = call(&app, Method::PUT, path, &token, Body::Json(body));
        catalogue.api(&format!("PUT {path}: {}", c.what), c.status, c.says, request).await;
    }
    // Out of the token's reach: 403; not an id at all: 404.
    let (sql, drop) = (percent(SQL_OR.as_bytes()), percent(SQL_DROP.as_bytes()));
    let reach = [
        case("update another agency's owner", (Method::PUT, at(&other.owner), &token), 403, no_access()),
        case("update the nil UUID", (Method::PUT, at(&Uuid::nil()), &token), 403, no_access()),
        case(
            "the team manager, by a sub-account token",
            (Method::PUT, at(&world.owner), &sub_token),
            403,
            no_access(),
        ),
        case("delete another agency's owner", (Method::DELETE, at(&other.owner), &token), 403, no_access()),
        case("read another agency's owner", (Method::GET, at(&other.owner), &token), 403, no_access()),
        case(
            "read another agency",
            (Method::GET, format!("/v2/companies/{}", other.agency), &token),
            403,
            no_access(),
        ),
        case(
            "read another agency's location",
            (Method::GET, format!("/v2/locations/{theirs}"), &token),
            403,
            no_access(),
        ),
        case(
            "update a user id that is not a UUID",
            (Method::PUT, at(&"not-a-uuid"), &token),
            404,
            not_found(),
        ),
        case("update an SQL tautology", (Method::PUT, at(&sql), &token), 404, not_found()),
        case("delete a script tag", (Method::DELETE, at(&"%3Cscript%3E"), &token), 404, not_found()),
        case("read an SQL tautology", (Method::GET, at(&"1%20OR%201=1"), &token), 404, not_found()),
        case(
            "read a company that is an SQL statement",
            (Method::GET, format!("/v2/companies/{drop}"), &token),
            404,
            not_found(),
        ),
    ];
    for c in reach {
        let (method, path, token) = c.input;
        let request = call(&app, method.clone(), &path, token, Body::Json(json!({ "name": "Pwned" })));
        catalogue.api(&format!("{method} {path}: {}", c.what), c.status, c.says, request).await;
    }

    // Fields the API does not have are ignored: no permission, no other agency, no admin.
    let extra = json!({
        "firstName": SCRIPT, "lastName": "Mass", "email": "mass@acme.test", "agency_id": other.agency,
        "manage_team": true, "permissions": { "manage_team": true, "contactsEnabled": true }, "active": false,
        "role ": "admin",
    });
    let answer = call(&app, Method::POST, "/v2/users", &token, newcomer(extra)).await;
    catalogue.findings.check(answer.status == 201, "extra fields", || format!("answered {}", answer.text));
    let row = catalogue.db.text(&format!(
        "SELECT name || '|' || role || '|' || (agency_id = '{}') || '|' || manage_team || '|' || active \
         FROM users WHERE email = 'mass@acme.test'",
        world.agency
    ));
    let expected = format!("{SCRIPT} Mass|agency_user|true|false|true");
    catalogue.findings.check(row == expected, "extra fields", || format!("stored {row:?}"));
    catalogue.finish();
}

// 13. API: paging and paths ---------------------------------------------------------------

#[tokio::test]
async fn api_paging_refuses_out_of_range_numbers_and_ids_that_name_nothing_are_not_found() {
    let (app, _world, token, _, _) = api_world().await;
    let mut catalogue = Catalogue::new(&app);
    // The agency has four people and two sub-accounts. Numbers outside what the OpenAPI
    // document declares are refused, not clamped; unknown parameters are ignored.
    for (list, key, all) in [("/v2/users/search", "users", 4), ("/v2/locations/search", "locations", 2)] {
        for (query, expected) in [
            ("limit=0", None),
            ("limit=1000000", None),
            ("skip=18446744073709551615", None),
            ("skip=1000", Some(0)),
            ("unknown=%3Cscript%3E", Some(all)),
        ] {
            let answer = call(&app, Method::GET, &format!("{list}?{query}"), &token, Body::Empty).await;
            let got = answer.json[key].as_array().map(Vec::len);
            let as_expected = match expected {
                Some(count) => answer.status == 200 && got == Some(count),
                None => answer.status == 422 && answer.json["statusCode"] == 422,
            };
            catalogue.findings.check(as_expected, query, || {
                format!("{list}?{query} answered {} with {got:?} items", answer.status)
            });
        }
    }
    let long = format!("/v2/locations/{}", "9".repeat(2_000));
    for (what, path) in [
        ("a path traversal", "/v2/users/..%2F..%2Fetc%2Fpasswd"),
        ("a NUL as the id", "/v2/users/%00"),
        ("invalid UTF-8 as the id", "/v2/locations/%FF%FE"),
        ("a 2,000-character id", long.as_str()),
    ] {
        let request = call(&app, Method::GET, path, &token, Body::Empty);
        catalogue.api(&format!("GET {path}: {what}"), 404, not_found(), request).await;
    }
    catalogue.finish();
}

// 14. Introspection -----------------------------------------------------------------------

#[tokio::test]
async fn introspection_treats_hostile_tokens_as_inactive_and_refuses_malformed_bodies() {
    let (app, _world, token, _, _) = api_world().await;
    let mut catalogue = Catalogue::new(&app);
    let introspect = |content_type: &str, body: Vec<u8>, secret: Option<&str>| {
        let mut request = reqwest::Client::new()
            .post(format!("{}/oauth/introspect", app.address))
            .header(header::CONTENT_TYPE, content_type)
            .body(body);
        if let Some(secret) = secret {
            request = request.bearer_auth(secret);
        }
        async move {
            let response = request.send().await.expect("introspect");
            let status = response.status().as_u16();
            let text = response.text().await.expect("body");
            (status, serde_json::from_str::<Value>(&text).unwrap_or(Value::Null), text)
        }
    };
    let form = |token: &str| format!("token={}", percent(token.as_bytes())).into_bytes();
    let inactive = Some(json!({ "active": false }));
    let mut invalid_utf8 = b"token=pit-".to_vec();
    invalid_utf8.extend_from_slice(b"\xFF\xFE");
    let cases = [
        case("a script tag", (FORM, form(SCRIPT)), 200, inactive.clone()),
        case("an SQL tautology", (FORM, form(SQL_OR)), 200, inactive.clone()),
        case("an SQL statement", (FORM, form(SQL_DROP)), 200, inactive.clone()),
        case("a real token and a NUL", (FORM, form(&format!("{token}\u{0}"))), 200, inactive.clone()),
        case(
            "a real token and a bidi override",
            (FORM, form(&format!("{token}\u{202E}"))),
            200,
            inactive.clone(),
        ),
        case(
            "a real token and a zero-width space",
            (FORM, form(&format!("{token}\u{200B}"))),
            200,
            inactive.clone(),
        ),
        case("a real token in capitals", (FORM, form(&token.to_uppercase())), 200, inactive.clone()),
        case("a 60,000-character token", (FORM, form(&"pit-".repeat(15_000))), 200, inactive.clone()),
        case("invalid UTF-8 in the token", (FORM, invalid_utf8), 200, inactive.clone()),
        case("no token field", (FORM, b"tokens=x".to_vec()), 200, inactive.clone()),
        case("a body over 64 KiB", (FORM, form(&"t".repeat(OVERSIZED))), 413, None),
        case("the token twice", (FORM, format!("token=x&token={token}").into_bytes()), 400, None),
        case("a JSON body", (JSON, json_bytes(&json!({ "token": token }))), 400, None),
    ];
    for c in cases {
        let (content_type, body) = c.input;
        catalogue.cases += 1;
        let before = catalogue.db.snapshot();
        let (status, json, text) = introspect(content_type, body, Some(GATEWAY_SECRET)).await;
        catalogue.findings.check(status == c.status, &c.what, || {
            format!("answered {status} instead of {}: {text}", c.status)
        });
        if let Some(expected) = c.says {
            catalogue.findings.check(json == expected, &c.what, || format!("answered {text}"));
        }
        let after = catalogue.db.snapshot();
        catalogue.findings.unchanged(&c.what, &before, &after);
    }
    // Without the secret, nothing about any token is told.
    let (status, json, _) = introspect(FORM, form(&token), None).await;
    assert_eq!((status, json), (401, json!({ "error": "invalid_client" })));
    catalogue.finish();
}

// Known defects ----------------------------------------------------------------------------
//
// Each test below asserts what the product owes and fails until the defect it names is
// fixed; the catalogue above holds everything that already behaves.

/// A form body whose bytes are not UTF-8 is malformed: it is refused with 400, never
/// decoded into U+FFFD replacement characters that end up stored in a name.
#[tokio::test]
async fn invalid_utf8_in_a_form_is_refused_never_stored_as_replacement_characters() {
    // Set-up, on an empty installation.
    let empty = TestApp::spawn().await;
    let path = setup_path(&empty);
    empty.get(&path).await;
    let mut setup = Catalogue::new(&empty);
    let founder: [(&str, &[u8]); 4] = [
        ("name", b"Ada Admin"),
        ("email", b"ada@acme.test"),
        ("password", b"correct horse battery"),
        ("password_confirmation", b"correct horse battery"),
    ];
    let body = form_with_raw(&empty, &founder, "agency_name", b"Caf\xE9");
    let sent = post_bytes(&empty, &path, FORM, body, &[]);
    setup.page("set-up: the agency name as raw bytes", 400, Some(BAD_REQUEST), sent).await;
    let stored = setup.db.count("SELECT count(*) FROM agencies WHERE name LIKE '%\u{FFFD}%'");
    setup.findings.check(stored == 0, "set-up", || "an agency is named with U+FFFD".into());
    let (mut cases, mut problems) = setup.into_problems();

    // The create wizard and Team > new, signed in.
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let mut catalogue = Catalogue::new(&app);
    let step_one = format!("{AGENCY}/new");
    app.get(&step_one).await;
    let raw = form_with_raw(&app, &[("description", b"")], "name", b"Caf\xE9");
    let encoded = form_with_csrf(&app, &[("name", b"Caf\xE9"), ("description", b"")]);
    for (how, body) in [("raw bytes", raw), ("percent-encoded", encoded)] {
        let sent = post_bytes(&app, &step_one, FORM, body, &[]);
        catalogue
            .page(&format!("create wizard, step 1: the name as {how}"), 400, Some(BAD_REQUEST), sent)
            .await;
    }
    // Had step 1 taken it, step 2 stores what it decoded.
    app.post_form(&format!("{step_one}/scopes"), &[("scopes", "users.readonly"), ("step", "save")]).await;
    app.get("/settings/team/new").await;
    let person = |email: &'static [u8]| -> [(&'static str, &'static [u8]); 3] {
        [("email", email), ("role", b"agency_user"), ("password", b"long enough password")]
    };
    let raw = form_with_raw(&app, &person(b"raw@acme.test"), "name", b"Zo\xEB");
    let encoded = form_with_csrf(&app, &with(&person(b"encoded@acme.test"), &[("name", b"Zo\xEB")]));
    for (how, body) in [("raw bytes", raw), ("percent-encoded", encoded)] {
        let sent = post_bytes(&app, "/settings/team/new", FORM, body, &[]);
        catalogue.page(&format!("Team > new: the name as {how}"), 400, Some(BAD_REQUEST), sent).await;
    }
    for table in ["integrations", "users"] {
        let stored =
            catalogue.db.count(&format!("SELECT count(*) FROM {table} WHERE name LIKE '%\u{FFFD}%'"));
        catalogue.findings.check(stored == 0, table, || format!("{stored} row(s) named with U+FFFD"));
    }
    let (more_cases, more) = catalogue.into_problems();
    cases += more_cases;
    problems.extend(more);
    assert!(problems.is_empty(), "{} problem(s) in {cases} cases:\n{}", problems.len(), problems.join("\n"));
}

/// A Team form carrying another agency's sub-account id beside a valid one is forged:
/// Roles & Permissions refuses it, and so must Team > new (today it drops the foreign id
/// silently and adds the person).
#[tokio::test]
async fn a_new_person_with_another_agencys_sub_account_beside_a_valid_one_is_refused() {
    let app = TestApp::spawn().await;
    let world = seed(&mut app.conn());
    let mut catalogue = Catalogue::new(&app);
    let other = foreign(&mut catalogue.db);
    app.sign_in(people::OWNER, PASSWORD).await;
    app.get("/settings/team/new").await;
    let (sub_a, theirs) = (world.sub_a.to_string(), other.sub_account.to_string());
    let fields = [
        ("name", "Nia Newcomer"),
        ("email", "nia@acme.test"),
        ("role", "account_user"),
        ("password", "long enough password"),
        ("sub_accounts", sub_a.as_str()),
        ("sub_accounts", theirs.as_str()),
    ];
    let says = Some("Choose at least one sub-account for an account role.");
    let sent = app.post_form("/settings/team/new", &fields);
    catalogue.page("Team > new: its own sub-account and another agency's", 422, says, sent).await;
    catalogue.finish();
}

/// An API body over the 64 KiB limit is answered 413 Payload Too Large, in the API's JSON
/// shape — not 422 as if its content were invalid.
#[tokio::test]
async fn api_bodies_over_64_kib_are_refused_with_413() {
    let (app, world, token, _, _) = api_world().await;
    let mut catalogue = Catalogue::new(&app);
    let user_a = user_id(&mut catalogue.db, people::USER_A);
    let big = "n".repeat(OVERSIZED);
    let newcomer = json!({ "name": "Ann", "email": "ann@acme.test", "role": "agency_user", "password": big });
    for (method, path, body) in [
        (Method::POST, "/v2/locations".to_owned(), json!({ "name": big })),
        (Method::PUT, format!("/v2/locations/{}", world.sub_a), json!({ "name": big })),
        (Method::POST, "/v2/users".to_owned(), newcomer),
        (Method::PUT, format!("/v2/users/{user_a}"), json!({ "name": big })),
    ] {
        let request = call(&app, method.clone(), &path, &token, Body::Json(body));
        catalogue.api(&format!("{method} {path}"), 413, any_message(), request).await;
    }
    catalogue.finish();
}

/// `skip` and `limit` that do not parse are invalid input: 422 in the API's JSON shape,
/// not the framework's plain-text 400.
#[tokio::test]
async fn api_paging_parameters_that_do_not_parse_answer_422_in_json() {
    let (app, _world, token, _, _) = api_world().await;
    let mut catalogue = Catalogue::new(&app);
    for list in ["/v2/users/search", "/v2/locations/search"] {
        for (what, query) in [
            ("a negative skip", "skip=-1"),
            ("a limit that is not a number", "limit=abc"),
            ("a limit beyond 64 bits", "limit=99999999999999999999999"),
            ("an SQL tautology as the limit", "limit=1%20OR%201=1"),
            ("a script tag as the skip", "skip=%3Cscript%3E"),
            ("the limit twice", "limit=1&limit=2"),
        ] {
            let url = format!("{list}?{query}");
            let request = call(&app, Method::GET, &url, &token, Body::Empty);
            catalogue.api(&format!("GET {list}?{query}: {what}"), 422, any_message(), request).await;
        }
    }
    catalogue.finish();
}

/// A paging cursor is the app's own text, but anyone can edit a URL: one whose time
/// PostgreSQL cannot hold is ignored like any other malformed cursor, never a 500.
#[tokio::test]
async fn audit_log_cursors_outside_postgresqls_time_range_are_ignored_not_a_500() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    app.sign_in(people::OWNER, PASSWORD).await;
    let mut catalogue = Catalogue::new(&app);
    for (what, micros) in [
        ("a cursor far in the past", "-8000000000000000000"),
        ("a cursor a microsecond before PostgreSQL's first timestamp", "-210866803200000001"),
    ] {
        let url = format!("/settings/audit-log?before={micros}~{}", Uuid::nil());
        let page = app.get(&url);
        catalogue.page(what, 200, Some("Audit log"), page).await;
    }
    catalogue.finish();
}

/// A form body sent as another content type is refused with 415, on a page that says what
/// is wrong — not the 500 page's "An unexpected error occurred and has been logged" — and
/// the same on every form (today the wizard and Team forms take it as a form).
#[tokio::test]
async fn a_form_sent_as_another_content_type_gets_a_415_page_that_says_so() {
    let app = TestApp::spawn().await;
    seed(&mut app.conn());
    let mut catalogue = Catalogue::new(&app);
    let visitor = app.new_browser();
    visitor.get("/sign-in").await;
    let body =
        form_with_csrf(&visitor, &[("email", people::OWNER.as_bytes()), ("password", PASSWORD.as_bytes())]);
    catalogue
        .page("sign-in, labelled as JSON", 415, None, post_bytes(&visitor, "/sign-in", JSON, body, &[]))
        .await;
    app.sign_in(people::OWNER, PASSWORD).await;
    app.get("/settings/labs").await;
    let forms: [(&str, String, &ByteFields<'_>); 3] = [
        ("Labs", "/settings/labs".into(), &[("private_integrations", b"on")]),
        ("create wizard, step 1", format!("{AGENCY}/new"), &[("name", b"Labelled"), ("description", b"")]),
        (
            "Team > new",
            "/settings/team/new".into(),
            &[("name", b"Labelled"), ("role", b"agency_user"), ("password", b"long enough password")],
        ),
    ];
    for (form, path, fields) in forms {
        for content_type in [JSON, "text/plain"] {
            let email = format!("{}@acme.test", content_type.replace('/', "."));
            let fields = with(fields, &[("email", email.as_bytes())]);
            let body = post_bytes(&app, &path, content_type, form_with_csrf(&app, &fields), &[]);
            catalogue.page(&format!("{form}, labelled as {content_type}"), 415, None, body).await;
        }
    }
    catalogue.finish();
}

/// Stacks of combining marks are refused like the other display tricks, in every form and
/// body that takes a name; a letter with one or two marks (a decomposed accent) is
/// ordinary text and stays accepted (see [`ORDINARY`]).
#[tokio::test]
async fn names_buried_under_stacked_combining_marks_are_refused_everywhere() {
    let (app, world, token, _, _) = api_world().await;
    let mut catalogue = Catalogue::new(&app);
    let name = zalgo();
    let step_one = format!("{AGENCY}/new");
    app.get(&step_one).await;
    let fields = [("name", name.as_str()), ("description", "")];
    let sent = app.post_form(&step_one, &fields);
    catalogue.page("create wizard, step 1", 422, None, sent).await;
    app.get("/settings/team/new").await;
    let person = [
        ("name", name.as_str()),
        ("email", "zalgo@acme.test"),
        ("role", "agency_user"),
        ("password", "long enough password"),
    ];
    catalogue.page("Team > new", 422, None, app.post_form("/settings/team/new", &person)).await;
    let says = || Says::StartsWith("name: ".to_owned());
    let location = Body::Json(json!({ "name": name, "companyId": world.agency }));
    catalogue
        .api("POST /v2/locations", 422, says(), call(&app, Method::POST, "/v2/locations", &token, location))
        .await;
    let user = Body::Json(json!({
        "companyId": world.agency, "firstName": name, "lastName": "Zalgo", "email": "zalgo.api@acme.test",
        "type": "agency", "role": "user", "locationIds": [],
    }));
    let first = Says::StartsWith("firstName: ".to_owned());
    catalogue.api("POST /v2/users", 422, first, call(&app, Method::POST, "/v2/users", &token, user)).await;
    catalogue.finish();
}

/// A set-up link that does not exist (made up, or used already) is not found, whatever is
/// posted to it — today invalid input is checked first, and the set-up form is shown
/// again (422) at any link.
#[tokio::test]
async fn posts_to_a_made_up_or_used_setup_link_are_not_found_whatever_the_input() {
    let app = TestApp::spawn().await;
    let path = setup_path(&app);
    app.get(&path).await;
    let mut catalogue = Catalogue::new(&app);
    let invalid = [("agency_name", ""), ("name", SCRIPT)];
    let sent = app.post_form("/setup/not-the-link", &invalid);
    catalogue.page("a made-up link with invalid input", 404, Some(NOT_FOUND), sent).await;
    let founder = [
        ("agency_name", "Acme Agency"),
        ("name", "Ada Admin"),
        ("email", "ada@acme.test"),
        ("password", "correct horse battery"),
        ("password_confirmation", "correct horse battery"),
    ];
    let done = app.post_form(&path, &founder).await;
    assert_eq!(done.status, 303, "{}", gist(&done));
    let stranger = app.new_browser();
    stranger.get("/sign-in").await;
    let sent = stranger.post_form(&path, &invalid);
    catalogue.page("the used link with invalid input", 404, Some(NOT_FOUND), sent).await;
    catalogue.finish();
}
