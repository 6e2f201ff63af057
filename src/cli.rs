//! The command line (SPEC §6): `serve` (the default) and the operator commands. Errors
//! go to stderr with exit code 1; usage errors exit with 2. Passwords are read from
//! `PI_PASSWORD` or standard input, never from the arguments.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use diesel::{Connection as _, PgConnection};

use crate::clock::{Clock as _, SystemClock};
use crate::config::Config;
use crate::db::{self, users::NewPerson};
use crate::domain::ids::{AgencyId, SubAccountId};
use crate::domain::people::{DisplayName, Email, NewPassword, Permissions, Role};
use crate::domain::random;
use crate::startup::Application;
use crate::telemetry;
use crate::web::passwords;

#[derive(Parser)]
#[command(name = "private-integrations", version, about = "Scoped API tokens for third-party developers")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Create and migrate the database if needed, then serve (the default).
    Serve,
    /// Run pending database migrations, then exit.
    Migrate,
    /// Manage agencies.
    Agency {
        #[command(subcommand)]
        command: AgencyCommand,
    },
    /// Manage sub-accounts.
    Subaccount {
        #[command(subcommand)]
        command: SubaccountCommand,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Seed a demo agency with two sub-accounts and users of every role; prints sign-ins.
    Demo,
}

#[derive(Subcommand)]
enum AgencyCommand {
    /// Create an agency; prints its id.
    Create {
        /// The agency's name.
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum SubaccountCommand {
    /// Create a sub-account of an agency; prints its id.
    Create {
        /// The agency's id.
        #[arg(long)]
        agency: AgencyId,
        /// The sub-account's name.
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password comes from PI_PASSWORD or standard input. Prints the id.
    Create {
        /// The agency's id.
        #[arg(long)]
        agency: AgencyId,
        /// Their email (their sign-in).
        #[arg(long)]
        email: String,
        /// Their display name.
        #[arg(long)]
        name: String,
        /// Their role.
        #[arg(long, value_parser = ["agency-admin", "agency-user", "account-admin", "account-user"])]
        role: String,
        /// A sub-account to attach them to (account roles; repeat for several).
        #[arg(long = "subaccount")]
        sub_accounts: Vec<SubAccountId>,
    },
    /// Set a user's password from PI_PASSWORD or standard input.
    SetPassword {
        /// Their email.
        #[arg(long)]
        email: String,
    },
}

/// Runs the command line; the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    match run(cli.command.unwrap_or(Command::Serve)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    match command {
        Command::Serve => serve(config),
        Command::Migrate => {
            db::prepare(&config.database_url)?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::Agency { command: AgencyCommand::Create { name } } => {
            let name = DisplayName::parse(&name).map_err(|message| anyhow::anyhow!("--name: {message}"))?;
            let agency = db::agencies::create(&mut connect(&config)?, &name, SystemClock.now())?;
            println!("{}", agency.id);
            Ok(())
        }
        Command::Subaccount { command: SubaccountCommand::Create { agency, name } } => {
            let name = DisplayName::parse(&name).map_err(|message| anyhow::anyhow!("--name: {message}"))?;
            let mut conn = connect(&config)?;
            db::agencies::find(&mut conn, agency).optional_or(|| format!("no agency has the id {agency}"))?;
            let sub_account = db::agencies::create_sub_account(&mut conn, agency, &name, SystemClock.now())?;
            println!("{}", sub_account.id);
            Ok(())
        }
        Command::User { command: UserCommand::Create { agency, email, name, role, sub_accounts } } => {
            let role = Role::from_cli(&role).context("unknown role")?;
            let person = NewPerson {
                agency_id: agency,
                email: Email::parse(&email).map_err(|message| anyhow::anyhow!("--email: {message}"))?,
                name: DisplayName::parse(&name).map_err(|message| anyhow::anyhow!("--name: {message}"))?,
                role,
                permissions: Permissions::default(),
                sub_accounts,
            };
            if role.is_agency_level() && !person.sub_accounts.is_empty() {
                bail!("--subaccount applies only to account-admin and account-user");
            }
            if !role.is_agency_level() && person.sub_accounts.is_empty() {
                bail!("{} needs at least one --subaccount", role.as_str().replace('_', "-"));
            }
            let mut conn = connect(&config)?;
            db::agencies::find(&mut conn, agency).optional_or(|| format!("no agency has the id {agency}"))?;
            let hash = passwords::hash_blocking(&read_password()?)?;
            let user = conn.transaction(|conn| {
                let first_admin =
                    role == Role::AgencyAdmin && db::users::count_agency_admins(conn, agency)? == 0;
                let person = NewPerson { permissions: Permissions::defaults(role, first_admin), ..person };
                db::users::create(conn, &person, Some(&hash), SystemClock.now())
            })?;
            println!("{}", user.id);
            Ok(())
        }
        Command::User { command: UserCommand::SetPassword { email } } => {
            let email = Email::parse(&email).map_err(|message| anyhow::anyhow!("--email: {message}"))?;
            let mut conn = connect(&config)?;
            let user = db::users::find_by_email(&mut conn, &email)?
                .with_context(|| format!("no user has the email {}", email.as_str()))?;
            let hash = passwords::hash_blocking(&read_password()?)?;
            db::users::set_password_hash(&mut conn, user.id, &hash)?;
            println!("Password updated for {}.", email.as_str());
            Ok(())
        }
        Command::Demo => demo(&config),
    }
}

fn serve(config: Config) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let bind = config.bind;
        let app = Application::build(config, Arc::new(SystemClock)).await?;
        if let Some(link) = &app.setup_link {
            println!(
                "\nThis installation has no agency yet. Open this one-time link to create it:\n\n    {link}\n"
            );
        }
        tracing::info!(%bind, "serving");
        app.run_until_stopped().await?;
        Ok(())
    })
}

/// A migrated database connection for an operator command.
fn connect(config: &Config) -> anyhow::Result<PgConnection> {
    db::prepare(&config.database_url)?;
    PgConnection::establish(&config.database_url)
        .with_context(|| format!("connecting to {}", db::redact(&config.database_url)))
}

/// Reads a new password from `PI_PASSWORD`, else from standard input.
fn read_password() -> anyhow::Result<NewPassword> {
    let text = match std::env::var("PI_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprint!("Password (typing is visible; PI_PASSWORD or a pipe avoids that): ");
                std::io::stderr().flush()?;
            }
            let mut line = String::new();
            stdin.lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    if text.is_empty() {
        bail!("no password given: set PI_PASSWORD or write it to standard input");
    }
    NewPassword::parse(text).map_err(anyhow::Error::msg)
}

trait OptionalOr<T> {
    fn optional_or(self, message: impl FnOnce() -> String) -> anyhow::Result<T>;
}

impl<T> OptionalOr<T> for diesel::QueryResult<T> {
    /// Turns "not found" into a clear message.
    fn optional_or(self, message: impl FnOnce() -> String) -> anyhow::Result<T> {
        match self {
            Ok(value) => Ok(value),
            Err(diesel::result::Error::NotFound) => Err(anyhow::anyhow!(message())),
            Err(error) => Err(error.into()),
        }
    }
}

/// The demo agency's people: (email, name, role, sub-account index).
const DEMO_PEOPLE: [(&str, &str, Role, Option<usize>); 5] = [
    ("owner@demo.example", "Olivia Owner", Role::AgencyAdmin, None),
    ("staff@demo.example", "Sam Staff", Role::AgencyUser, None),
    ("dental.admin@demo.example", "Dana Dental", Role::AccountAdmin, Some(0)),
    ("dental.staff@demo.example", "Drew Desk", Role::AccountUser, Some(0)),
    ("fitness.admin@demo.example", "Finn Fitness", Role::AccountAdmin, Some(1)),
];

fn demo(config: &Config) -> anyhow::Result<()> {
    let mut conn = connect(config)?;
    let now = SystemClock.now();
    let owner = Email::parse(DEMO_PEOPLE[0].0).map_err(anyhow::Error::msg)?;
    if db::users::find_by_email(&mut conn, &owner)?.is_some() {
        bail!("the demo agency already exists (sign in as {})", owner.as_str());
    }
    let mut sign_ins = Vec::new();
    for (email, name, role, _) in DEMO_PEOPLE {
        let password = random::base62(16);
        let hash =
            passwords::hash_blocking(&NewPassword::parse(password.clone()).map_err(anyhow::Error::msg)?)?;
        sign_ins.push((email, name, role, password, hash));
    }
    let agency = conn.transaction(|conn| {
        let agency =
            db::agencies::create(conn, &DisplayName::parse("Demo Agency").map_err(anyhow::Error::msg)?, now)?;
        let subs = ["Downtown Dental", "Uptown Fitness"]
            .into_iter()
            .map(|name| {
                let name = DisplayName::parse(name).map_err(anyhow::Error::msg)?;
                Ok(db::agencies::create_sub_account(conn, agency.id, &name, now)?)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        for ((email, name, role, _, hash), (_, _, _, sub)) in sign_ins.iter().zip(DEMO_PEOPLE) {
            let person = NewPerson {
                agency_id: agency.id,
                email: Email::parse(email).map_err(anyhow::Error::msg)?,
                name: DisplayName::parse(name).map_err(anyhow::Error::msg)?,
                role: *role,
                permissions: Permissions::defaults(*role, *role == Role::AgencyAdmin),
                sub_accounts: sub.map(|index| subs[index].id).into_iter().collect(),
            };
            db::users::create(conn, &person, Some(hash), now)?;
        }
        anyhow::Ok(agency)
    })?;
    println!("Demo agency created: {} ({})\n", agency.name, agency.id);
    println!("{:<30} {:<14} {:<18} PASSWORD", "EMAIL", "ROLE", "SUB-ACCOUNT");
    for ((email, _, role, password, _), (_, _, _, sub)) in sign_ins.iter().zip(DEMO_PEOPLE) {
        let sub = sub.map_or("-", |index| ["Downtown Dental", "Uptown Fitness"][index]);
        println!("{email:<30} {:<14} {sub:<18} {password}", role.label());
    }
    Ok(())
}
