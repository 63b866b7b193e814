//! The command line: `rampart serve | migrate | config check | config example | admin staff
//! create | admin hashing time | audit … | import contacts | keys rotate`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use platform::clock::{Clock, SystemClock};
use platform::config::{self, Config, ConfigError};

use identity::IdentityError;
use identity::model::role::StaffRole;

use crate::app::{self, Listeners};
use crate::audit_cli::AuditCommand;
use crate::shutdown::Shutdown;

#[derive(Debug, Parser)]
#[command(
    name = "rampart",
    version,
    about = "Security, privacy and compliance backbone for a SaaS holding personal data"
)]
struct Cli {
    /// Configuration file [default: ./rampart.toml when it exists]
    #[arg(long, global = true, env = "RAMPART_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve HTTPS: the public, staff, metrics and redirect listeners
    Serve,
    /// Apply pending database migrations and exit
    Migrate,
    /// Check or print the configuration
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Administration: staff accounts
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The tamper-evident audit log: verify it, check a proof, export for auditors
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Bulk import into the customer data vault
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// The master key: rotate it
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ImportCommand {
    /// Import contacts from a CSV file into a tenant, with a progress bar and a report of
    /// the rows refused
    Contacts {
        /// The tenant's id (`ten_…`, shown by `GET /api/v1/me`)
        #[arg(long)]
        tenant: String,
        /// What to do with a row that is a contact already: skip or update
        #[arg(long, default_value = "skip", value_parser = ["skip", "update"])]
        merge: String,
        /// Map a column to a field when its header does not say: `--column "Mobile=phones"`
        #[arg(long = "column", value_name = "HEADER=FIELD")]
        columns: Vec<String>,
        /// Where to write the rejected rows (line and reason) as CSV
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// The CSV file; its first line names the columns
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Replace the master key: re-wrap every data key and re-seal every secret with a new
    /// one, in one transaction. Stop every node first.
    Rotate,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Manage the staff who operate Rampart
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Password hashing on this machine
    Hashing {
        #[command(subcommand)]
        command: HashingCommand,
    },
}

#[derive(Debug, Subcommand)]
enum HashingCommand {
    /// Time Argon2id at the configured parameters (`identity.hash_*`), as the hashing
    /// workers run it, and say how many log-ins a second this machine can verify
    Time {
        /// Hashes to time on each thread
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..))]
        count: u16,
        /// Hashes on each thread before timing (the first hashes fault their memory in)
        #[arg(long, default_value_t = 3)]
        warm_up: u16,
        /// Threads hashing at once [default: one per core]
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Create a member of staff and print their one-time set-up link
    Create {
        /// Their email address
        #[arg(long)]
        email: String,
        /// support, manager or security
        #[arg(long, value_parser = ["support", "manager", "security"])]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Say what is wrong with the configuration, key by key; exit non-zero if anything is
    Check,
    /// Print a commented example rampart.toml
    Example,
}

/// Runs the command line and turns its outcome into the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let file = config_file(cli.config.as_deref());
    match cli.command {
        Command::Config {
            command: ConfigCommand::Example,
        } => {
            print(config::EXAMPLE);
            Ok(ExitCode::SUCCESS)
        }
        Command::Config {
            command: ConfigCommand::Check,
        } => Ok(check(file.as_deref())),
        Command::Serve => {
            let config = load(file.as_deref())?;
            runtime()?.block_on(serve(config))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let config = load(file.as_deref())?;
            runtime()?.block_on(migrate_only(config))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin {
            command:
                AdminCommand::Staff {
                    command: StaffCommand::Create { email, role },
                },
        } => {
            let config = load(file.as_deref())?;
            runtime()?.block_on(create_staff(config, &email, &role))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin {
            command:
                AdminCommand::Hashing {
                    command:
                        HashingCommand::Time {
                            count,
                            warm_up,
                            threads,
                            json,
                        },
                },
        } => {
            let config = load(file.as_deref())?;
            let threads = threads.map_or_else(cores, usize::from);
            crate::hashing_cli::time(&config, threads, count.into(), warm_up.into(), json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::CheckProof { bundle, public_key },
        } => crate::audit_cli::check_proof_offline(&bundle, &public_key),
        Command::Audit { command } => {
            let config = load(file.as_deref())?;
            runtime()?.block_on(crate::audit_cli::run(config, command))
        }
        Command::Import { command } => {
            let config = load(file.as_deref())?;
            runtime()?.block_on(crate::vault_cli::import(config, command))
        }
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            let config = load(file.as_deref())?;
            runtime()?.block_on(crate::vault_cli::rotate(config))
        }
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The file given, or `./rampart.toml` when it exists.
fn config_file(given: Option<&Path>) -> Option<PathBuf> {
    given.map(Path::to_owned).or_else(|| {
        let default = PathBuf::from("rampart.toml");
        default.exists().then_some(default)
    })
}

fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
    let config = config::load(file, std::env::vars())?;
    platform::telemetry::init(&config.log);
    Ok(config)
}

fn check(file: Option<&Path>) -> ExitCode {
    let source = file.map_or("defaults and environment".to_owned(), |f| {
        f.display().to_string()
    });
    match config::load(file, std::env::vars()) {
        Ok(_) => {
            print(&format!("configuration OK ({source})\n"));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("configuration has problems ({source}):");
            for problem in err.problems() {
                eprintln!("  - {problem}");
            }
            ExitCode::FAILURE
        }
    }
}

/// The async runtime. Tasks woken from other threads (the answer of every SQLite query, the
/// audit writer's, the hashing pool's) wait in the runtime's global queue, which a busy
/// worker looks at only every so many tasks (31 by default); looking every 8 cut the time
/// a request waits on those hand-overs under load (reads of a token: 9 % more audited, 5 %
/// more unaudited, on two cores).
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .global_queue_interval(8)
        .build()
        .context("cannot start the async runtime")
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listeners = Listeners::bind(&config).await?;
    let shutdown = Shutdown::new();
    let running = app::start(config, listeners, shutdown.clone()).await?;
    if let Some(fingerprint) = &running.generated_certificate {
        print(&format!(
            "Rampart generated a self-signed TLS certificate for localhost.\n\
             SHA-256 fingerprint: {fingerprint}\n\
             Browsers warn about self-signed certificates: check that they show this fingerprint,\n\
             or set tls.cert_file and tls.key_file to a certificate of your own.\n"
        ));
    }
    print(&format!(
        "Rampart is serving {}\n",
        running.state.public_url
    ));
    wait_for_signal().await;
    tracing::info!("shutting down: finishing in-flight requests");
    shutdown.trigger();
    running.stopped().await;
    Ok(())
}

async fn migrate_only(config: Config) -> anyhow::Result<()> {
    let (db, applied) = app::open_database(&config, SystemClock.now()).await?;
    if applied.is_empty() {
        print("the database is up to date\n");
    }
    for label in applied {
        print(&format!("applied {label}\n"));
    }
    db.close().await;
    Ok(())
}

async fn create_staff(config: Config, email: &str, role: &str) -> anyhow::Result<()> {
    let role = StaffRole::parse(role).context("the role must be support, manager or security")?;
    let (identity, db) = app::offline_identity(&config).await?;
    let created = identity.create_staff(email, role).await;
    db.close().await;
    let link = match created {
        Ok(link) => link,
        Err(IdentityError::Invalid(errors)) => {
            let reasons: Vec<String> = errors.values().cloned().collect();
            anyhow::bail!("cannot create this member of staff: {}", reasons.join("; "));
        }
        Err(other) => return Err(other).context("cannot create this member of staff"),
    };
    print(&format!(
        "Created {} ({}) with id {}.\n\
         Give them this one-time set-up link, valid until {} (UTC). It opens on the staff\n\
         listener, where they choose a password and enrol two-factor authentication:\n\n  {}\n",
        link.member.email,
        link.member.role,
        link.member.id,
        link.expires_at.rfc3339(),
        link.url.expose()
    ));
    Ok(())
}

/// Ctrl-C, or SIGTERM from a service manager.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Output meant for the person at the terminal, not the log.
#[allow(
    clippy::print_stdout,
    reason = "the command line talks to its user on stdout"
)]
pub(crate) fn print(text: &str) {
    print!("{text}");
}
