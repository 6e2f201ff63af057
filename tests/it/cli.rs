//! The operator CLI: commands, output, errors and exit codes.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use crate::support::{Options, TestApp, TestDatabase};

fn cli(db: &TestDatabase, args: &[&str], password: Option<&str>, stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_private-integrations"));
    command
        .args(args)
        .env("DATABASE_URL", db.url())
        .env_remove("PI_PASSWORD")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(password) = password {
        command.env("PI_PASSWORD", password);
    }
    let mut child = command.spawn().expect("run the binary");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.unwrap_or("").as_bytes()).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("wait")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).trim().to_owned()
}

fn created_id(output: &Output) -> String {
    assert!(output.status.success(), "failed: {}", stderr(output));
    let id = stdout(output);
    uuid::Uuid::parse_str(&id).unwrap_or_else(|_| panic!("not an id: {id:?}"));
    id
}

#[tokio::test]
async fn operators_create_an_agency_sub_account_and_users_who_can_then_sign_in() {
    let db = TestDatabase::new();
    let agency = created_id(&cli(&db, &["agency", "create", "--name", "Acme"], None, None));
    let sub =
        created_id(&cli(&db, &["subaccount", "create", "--agency", &agency, "--name", "Alpha"], None, None));
    created_id(&cli(
        &db,
        &[
            "user",
            "create",
            "--agency",
            &agency,
            "--email",
            "ops@acme.test",
            "--name",
            "Ops",
            "--role",
            "agency-admin",
        ],
        Some("correct horse battery"),
        None,
    ));
    created_id(&cli(
        &db,
        &[
            "user",
            "create",
            "--agency",
            &agency,
            "--email",
            "alpha@acme.test",
            "--name",
            "Al",
            "--role",
            "account-admin",
            "--subaccount",
            &sub,
        ],
        None,
        Some("from standard input\n"),
    ));

    let app = TestApp::spawn_with(Options { env: vec![], database: Some(db), database_url: None }).await;
    let page = app.sign_in("ops@acme.test", "correct horse battery").await;
    assert_eq!(
        page.texts(".sidenav a"),
        ["Team", "Private Integrations", "Webhooks", "Labs", "Security", "Audit log"],
        "the first admin manages the team"
    );
    app.sign_out().await;
    let page = app.sign_in("alpha@acme.test", "from standard input").await;
    assert_eq!(page.text(".switcher-name"), "Alpha");
}

#[tokio::test]
async fn set_password_replaces_the_password() {
    let db = TestDatabase::new();
    let agency = created_id(&cli(&db, &["agency", "create", "--name", "Acme"], None, None));
    let args = [
        "user",
        "create",
        "--agency",
        &agency,
        "--email",
        "ops@acme.test",
        "--name",
        "Ops",
        "--role",
        "agency-user",
    ];
    created_id(&cli(&db, &args, Some("first password!"), None));
    let output =
        cli(&db, &["user", "set-password", "--email", "OPS@acme.test"], None, Some("second password!\n"));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "Password updated for ops@acme.test.");

    let app = TestApp::spawn_with(Options { env: vec![], database: Some(db), database_url: None }).await;
    let old = app.post_form("/sign-in", &[("email", "ops@acme.test"), ("password", "first password!")]).await;
    assert_eq!(old.status, 401);
    app.sign_in("ops@acme.test", "second password!").await;
}

#[tokio::test]
async fn cli_errors_are_clear_and_exit_non_zero() {
    let db = TestDatabase::new();
    let agency = created_id(&cli(&db, &["agency", "create", "--name", "Acme"], None, None));
    let missing = uuid::Uuid::new_v4().to_string();
    let cases: Vec<(Vec<&str>, Option<&str>, i32, &str)> = vec![
        (vec!["subaccount", "create", "--agency", &missing, "--name", "X"], None, 1, "no agency has the id"),
        (vec!["agency", "create", "--name", "  "], None, 1, "--name: Name is required."),
        (
            vec![
                "user",
                "create",
                "--agency",
                &agency,
                "--email",
                "a@acme.test",
                "--name",
                "A",
                "--role",
                "agency-admin",
            ],
            None,
            1,
            "no password given: set PI_PASSWORD",
        ),
        (
            vec![
                "user",
                "create",
                "--agency",
                &agency,
                "--email",
                "a@acme.test",
                "--name",
                "A",
                "--role",
                "agency-admin",
            ],
            Some("short"),
            1,
            "Password must be at least 12 characters.",
        ),
        (
            vec![
                "user",
                "create",
                "--agency",
                &agency,
                "--email",
                "a@acme.test",
                "--name",
                "A",
                "--role",
                "account-user",
            ],
            Some("long enough password"),
            1,
            "account-user needs at least one --subaccount",
        ),
        (
            vec![
                "user",
                "create",
                "--agency",
                &agency,
                "--email",
                "a@acme.test",
                "--name",
                "A",
                "--role",
                "owner",
            ],
            Some("long enough password"),
            2,
            "invalid value 'owner'",
        ),
        (
            vec!["user", "set-password", "--email", "nobody@acme.test"],
            Some("long enough password"),
            1,
            "no user has the email",
        ),
        (vec!["agency", "create"], None, 2, "--name <NAME>"),
    ];
    for (args, password, code, message) in cases {
        let output = cli(&db, &args, password, None);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).contains(message), "{args:?}: {}", stderr(&output));
        assert!(stdout(&output).is_empty(), "{args:?}");
    }
}

#[tokio::test]
async fn a_duplicate_email_is_refused() {
    let db = TestDatabase::new();
    let agency = created_id(&cli(&db, &["agency", "create", "--name", "Acme"], None, None));
    let args = [
        "user",
        "create",
        "--agency",
        &agency,
        "--email",
        "a@acme.test",
        "--name",
        "A",
        "--role",
        "agency-user",
    ];
    created_id(&cli(&db, &args, Some("long enough password"), None));
    let output = cli(&db, &args, Some("long enough password"), None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("A user with this email already exists."), "{}", stderr(&output));
}

#[tokio::test]
async fn demo_seeds_every_role_and_prints_working_sign_ins_once() {
    let db = TestDatabase::new();
    let output = cli(&db, &["demo"], None, None);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|line| line.contains("@demo.example"))
        .map(|line| line.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 5, "{text}");
    for role in ["Agency admin", "Agency user", "Account admin", "Account user"] {
        assert!(text.contains(role), "{role} missing from\n{text}");
    }
    let again = cli(&db, &["demo"], None, None);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("the demo agency already exists"));

    let owner = &rows[0];
    let app = TestApp::spawn_with(Options { env: vec![], database: Some(db), database_url: None }).await;
    let page = app.sign_in(owner[0], owner.last().expect("password")).await;
    assert_eq!(page.texts(".switcher .menu-panel a").len(), 3, "the agency and its two sub-accounts");
}

#[test]
fn an_unreachable_database_is_reported_with_its_url_and_what_to_do() {
    let output = Command::new(env!("CARGO_BIN_EXE_private-integrations"))
        .arg("migrate")
        .env("DATABASE_URL", "postgres://postgres:hunter2@127.0.0.1:1/pi")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("cannot reach PostgreSQL at postgres://postgres:***@127.0.0.1:1/pi"), "{text}");
    assert!(text.contains("Is PostgreSQL running? Set DATABASE_URL"), "{text}");
    assert!(!text.contains("hunter2"), "the password is never printed");
}

#[test]
fn invalid_configuration_names_the_variable() {
    let output = Command::new(env!("CARGO_BIN_EXE_private-integrations"))
        .arg("migrate")
        .env("BIND", "everywhere")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("BIND is invalid"), "{}", stderr(&output));
}

#[test]
fn migrate_creates_a_missing_database() {
    let db = TestDatabase::missing();
    let output = cli(&db, &["migrate"], None, None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "Database is up to date.");
    let mut conn = db.conn();
    assert!(!private_integrations::db::agencies::any_exists(&mut conn).expect("migrated schema"));
}

/// `serve` on a fresh database with extra environment: the process, its port, and the
/// setup link it printed once it was ready.
fn serve(db: &TestDatabase, env: &[(&str, &str)]) -> (std::process::Child, u16, String) {
    use std::io::BufRead as _;
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_private-integrations"))
        .arg("serve")
        .env("DATABASE_URL", db.url())
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .env_remove("SECRET_KEY")
        .env_remove("LOG_FORMAT")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let link = stdout
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.split_whitespace().find(|word| word.contains("/setup/")).map(str::to_owned))
        .expect("the setup link is printed");
    (child, port, link)
}

/// The status of `GET /v2/users/` with a well-formed token nobody issued.
fn call_with_an_unknown_token(port: u16, token: &private_integrations::domain::token::TokenSecret) -> u16 {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/v2/users/"))
            .bearer_auth(token.expose())
            .send()
            .await
            .expect("API call")
            .status()
            .as_u16()
    })
}

#[test]
fn with_log_format_json_each_log_line_is_a_json_object_naming_its_request() {
    let db = TestDatabase::missing();
    let (mut child, port, _) = serve(&db, &[("LOG_FORMAT", "json")]);
    let unknown = crate::support::new_token();
    assert_eq!(call_with_an_unknown_token(port, &unknown), 401);
    child.kill().expect("stop");
    let output = child.wait_with_output().expect("output");
    let logs = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let refused = lines
        .iter()
        .find(|line| line["fields"]["message"] == "API request refused: no usable token")
        .unwrap_or_else(|| panic!("the refusal is logged:\n{logs}"));
    assert_eq!(refused["level"], "WARN");
    assert_eq!(refused["span"]["client"], "127.0.0.1");
    assert!(!logs.contains(unknown.expose()), "never the token");
}

#[test]
fn serving_without_a_secret_key_warns_and_logs_route_patterns_never_paths() {
    let db = TestDatabase::missing();
    let (mut child, port, link) = serve(&db, &[]);
    let token = link.rsplit('/').next().expect("token").to_owned();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .post(&link)
            .header("origin", "https://evil.example")
            .form(&[("agency_name", "X")])
            .send()
            .await
            .expect("post")
            .status()
            .as_u16()
    });
    assert_eq!(status, 403, "a cross-site form is refused");
    let unknown = crate::support::new_token();
    assert_eq!(call_with_an_unknown_token(port, &unknown), 401);
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("http://127.0.0.1:{port}/oauth/introspect"))
            .form(&[("token", unknown.expose())])
            .send()
            .await
            .expect("introspect")
            .status()
            .as_u16()
    });
    assert_eq!(status, 401, "no gateway secret");
    child.kill().expect("stop");
    let output = child.wait_with_output().expect("output");
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(logs.contains("SECRET_KEY is not set"), "a loud warning:\n{logs}");
    assert!(logs.contains("refused a cross-origin form submission"), "{logs}");
    assert!(logs.contains("/setup/{token}"), "the route pattern is logged:\n{logs}");
    assert!(!logs.contains(&token), "the one-time token never reaches the logs:\n{logs}");
    let refused = logs
        .lines()
        .find(|line| line.contains("API request refused: no usable token"))
        .unwrap_or_else(|| panic!("a refused API call is logged:\n{logs}"));
    assert!(refused.contains("client=127.0.0.1"), "with the client's address: {refused}");
    assert!(!logs.contains(unknown.expose()), "never the token:\n{logs}");
    assert!(
        logs.lines().any(|line| line.contains("introspection refused") && line.contains("client=127.0.0.1")),
        "{logs}"
    );
}

#[tokio::test]
async fn operators_create_an_integration_and_its_token_works_once_printed() {
    let db = TestDatabase::new();
    let agency = created_id(&cli(&db, &["agency", "create", "--name", "Acme"], None, None));
    let sub =
        created_id(&cli(&db, &["subaccount", "create", "--agency", &agency, "--name", "Alpha"], None, None));
    let made = cli(
        &db,
        &[
            "integration",
            "create",
            "--agency",
            &agency,
            "--subaccount",
            &sub,
            "--name",
            "Importer",
            "--scope",
            "contacts.write",
        ],
        None,
        None,
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let token = stdout(&made);
    assert!(token.starts_with("pit-") && token.len() == 50, "{token}");

    let refused = cli(
        &db,
        &["integration", "create", "--agency", &agency, "--name", "Wrong level", "--scope", "contacts.write"],
        None,
        None,
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("contacts.write"), "{}", stderr(&refused));

    let app = TestApp::spawn_with(Options { env: Vec::new(), database: Some(db), database_url: None }).await;
    let answer = reqwest::Client::new()
        .post(format!("{}/v2/contacts/", app.address))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "locationId": sub, "email": "first@import.test" }))
        .send()
        .await
        .expect("call");
    assert_eq!(answer.status().as_u16(), 201);
    let logged: Vec<String> = {
        use diesel::prelude::*;
        use private_integrations::db::schema::audit_events;
        audit_events::table
            .filter(audit_events::action.eq("integration.create"))
            .select(audit_events::actor_label)
            .load(&mut app.conn())
            .expect("audit")
    };
    assert_eq!(logged, ["operator (command line)"]);
}

#[test]
fn api_member_paths_log_their_route_pattern_never_the_id() {
    let db = TestDatabase::missing();
    let (mut child, port, _) = serve(&db, &[("RUST_LOG", "warn,private_integrations::telemetry=info")]);
    let unknown = crate::support::new_token();
    let location = uuid::Uuid::new_v4().to_string();
    let contact = uuid::Uuid::new_v4().to_string();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let statuses = runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut statuses = Vec::new();
        for (method, path) in [
            (reqwest::Method::GET, format!("/v2/locations/{location}")),
            (reqwest::Method::POST, format!("/v2/contacts/{contact}/tags")),
            (reqwest::Method::GET, format!("/v2/locations/{location}/extra")),
        ] {
            let answer = client
                .request(method, format!("http://127.0.0.1:{port}{path}"))
                .bearer_auth(unknown.expose())
                .send()
                .await
                .expect("call");
            statuses.push(answer.status().as_u16());
        }
        statuses
    });
    assert_eq!(statuses, [401, 401, 404]);
    child.kill().expect("stop");
    let output = child.wait_with_output().expect("output");
    let logs = String::from_utf8_lossy(&output.stderr);
    let requests: Vec<&str> = logs.lines().filter(|line| line.contains("status=")).collect();
    assert_eq!(requests.len(), 3, "one line per request:\n{logs}");
    assert!(
        requests[0].contains("/v2/locations/{locationId}") && requests[0].contains("status=401"),
        "{logs}"
    );
    assert!(
        requests[1].contains("/v2/contacts/{contactId}/tags") && requests[1].contains("status=401"),
        "{logs}"
    );
    assert!(requests[2].contains("(unmatched)") && requests[2].contains("status=404"), "{logs}");
    assert!(!logs.contains(&location) && !logs.contains(&contact), "never the ids:\n{logs}");
}
