//! The command line (SPEC §6): `serve` (the default) and the operator commands. Errors
//! go to stderr with exit code 1; usage errors exit with 2. Passwords are read from
//! `PI_PASSWORD` or standard input, never from the arguments.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};

use crate::app::operator::{self, Newcomer};
use crate::app::{self, App, AppError};
use crate::clock::SystemClock;
use crate::config::Config;
use crate::db;
use crate::domain::ids::{AgencyId, SubAccountId};
use crate::domain::integration::{Description, IntegrationName, Owner};
use crate::domain::people::{DisplayName, Email, NewPassword, Role};
use crate::startup::{self, Application};
use crate::telemetry;

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
    /// Manage private integrations.
    Integration {
        #[command(subcommand)]
        command: IntegrationCommand,
    },
    /// Seed a demo agency with two sub-accounts and users of every role; prints sign-ins.
    Demo,
}

#[derive(Subcommand)]
enum IntegrationCommand {
    /// Create a private integration of an agency (or of one of its sub-accounts); prints
    /// its token, which is shown this once.
    Create {
        /// The agency's id.
        #[arg(long)]
        agency: AgencyId,
        /// A sub-account of the agency, for a sub-account's integration.
        #[arg(long = "subaccount")]
        sub_account: Option<SubAccountId>,
        /// The integration's name.
        #[arg(long)]
        name: String,
        /// What it is for.
        #[arg(long, default_value = "")]
        description: String,
        /// A scope it holds (repeat for several).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
    },
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
    /// Set a user's password from PI_PASSWORD or standard input; their sessions end.
    SetPassword {
        /// Their email.
        #[arg(long)]
        email: String,
    },
    /// Turn a user's two-factor authentication off (they lost their phone and their
    /// recovery codes, and nobody in their agency can reset it); their sessions end.
    #[command(name = "reset-2fa")]
    ResetTwoFactor {
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
        other => operate(config, other),
    }
}

/// Runs an operator command against a prepared database, then closes every connection.
fn operate(config: Config, command: Command) -> anyhow::Result<()> {
    db::prepare(&config.database_url)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let app = startup::operator_app(config).await?;
        let closing = app.db.closing();
        let outcome = match command {
            Command::Agency { command: AgencyCommand::Create { name } } => {
                let name = parsed("--name", DisplayName::parse(&name))?;
                let agency = operator::create_agency(&app, name).await.map_err(explain)?;
                println!("{}", agency.id);
                Ok(())
            }
            Command::Subaccount { command: SubaccountCommand::Create { agency, name } } => {
                let name = parsed("--name", DisplayName::parse(&name))?;
                let sub = operator::create_sub_account(&app, agency, name).await.map_err(explain)?;
                println!("{}", sub.id);
                Ok(())
            }
            Command::User { command: UserCommand::Create { agency, email, name, role, sub_accounts } } => {
                let newcomer = Newcomer {
                    agency_id: agency,
                    email: parsed("--email", Email::parse(&email))?,
                    name: parsed("--name", DisplayName::parse(&name))?,
                    role: Role::from_cli(&role).context("unknown role")?,
                    sub_accounts,
                };
                let user = operator::create_user(&app, newcomer, read_password()?).await.map_err(explain)?;
                println!("{}", user.id);
                Ok(())
            }
            Command::User { command: UserCommand::SetPassword { email } } => {
                let email = parsed("--email", Email::parse(&email))?;
                let password = read_password()?;
                operator::set_password(&app, email.clone(), password).await.map_err(explain)?;
                println!("Password updated for {}.", email.as_str());
                Ok(())
            }
            Command::User { command: UserCommand::ResetTwoFactor { email } } => {
                let email = parsed("--email", Email::parse(&email))?;
                let had = operator::reset_two_factor(&app, email.clone()).await.map_err(explain)?;
                if had {
                    println!("Two-factor authentication of {} is off; they set it up again if their agency requires it.", email.as_str());
                } else {
                    println!("{} had no two-factor authentication; their sessions ended anyway.", email.as_str());
                }
                Ok(())
            }
            Command::Integration {
                command: IntegrationCommand::Create { agency, sub_account, name, description, scopes },
            } => {
                let owner = Owner { agency_id: agency, sub_account_id: sub_account };
                let name = parsed("--name", IntegrationName::parse(&name))?;
                let description = parsed("--description", Description::parse(&description))?;
                let (_, token) =
                    operator::create_integration(&app, owner, name, description, scopes).await.map_err(explain)?;
                println!("{}", token.expose());
                Ok(())
            }
            Command::Demo => demo(&app).await,
            Command::Serve | Command::Migrate => Ok(()),
        };
        drop(app);
        closing.wait(std::time::Duration::from_secs(10)).await;
        outcome
    })
}

/// A value from the command line, parsed, or a message naming the argument.
fn parsed<T>(argument: &str, value: Result<T, String>) -> anyhow::Result<T> {
    value.map_err(|message| anyhow::anyhow!("{argument}: {message}"))
}

/// A use case's refusal as the operator reads it.
fn explain(error: AppError) -> anyhow::Error {
    match error {
        AppError::Invalid { message, .. } | AppError::Refused(message) => anyhow::anyhow!(message),
        AppError::Unavailable(cause) => cause.context("the database is unavailable"),
        other => anyhow::Error::new(other),
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

/// The demo agency's sub-accounts.
const DEMO_SUB_ACCOUNTS: [&str; 2] = ["Downtown Dental", "Uptown Fitness"];

/// The demo agency's people: (email, name, role, sub-account index). The first agency
/// admin becomes the team manager.
const DEMO_PEOPLE: [operator::DemoPerson; 5] = [
    ("owner@demo.example", "Olivia Owner", Role::AgencyAdmin, None),
    ("staff@demo.example", "Sam Staff", Role::AgencyUser, None),
    ("dental.admin@demo.example", "Dana Dental", Role::AccountAdmin, Some(0)),
    ("dental.staff@demo.example", "Drew Desk", Role::AccountUser, Some(0)),
    ("fitness.admin@demo.example", "Finn Fitness", Role::AccountAdmin, Some(1)),
];

async fn demo(app: &App) -> anyhow::Result<()> {
    let mut people = Vec::new();
    let mut passwords = Vec::new();
    for person in DEMO_PEOPLE {
        let password = app::random::base62(16);
        people.push((person, NewPassword::parse(password.clone()).map_err(anyhow::Error::msg)?));
        passwords.push(password);
    }
    let agency = operator::seed_demo(
        app,
        DisplayName::parse("Demo Agency").map_err(anyhow::Error::msg)?,
        DEMO_SUB_ACCOUNTS
            .iter()
            .map(|name| DisplayName::parse(name).map_err(anyhow::Error::msg))
            .collect::<Result<_, _>>()?,
        people,
    )
    .await
    .map_err(explain)?;
    println!("Demo agency created: {} ({})\n", agency.name, agency.id);
    println!("{:<30} {:<14} {:<18} PASSWORD", "EMAIL", "ROLE", "SUB-ACCOUNT");
    for ((email, _, role, sub), password) in DEMO_PEOPLE.iter().zip(passwords) {
        let sub = sub.map_or("-", |index| DEMO_SUB_ACCOUNTS[index]);
        println!("{email:<30} {:<14} {sub:<18} {password}", role.label());
    }
    Ok(())
}
