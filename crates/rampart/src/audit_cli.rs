//! `rampart audit verify | check-proof | export | public-key`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use audit::model::bundle::ProofBundle;
use audit::model::note::VerifierKey;
use audit::service::{ExportFormat, Progress, export, load_or_create_signing_key, verify};
use audit::{Actor, Event};
use base64::Engine;
use clap::{Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use platform::clock::{Clock, SystemClock, Timestamp};
use platform::config::Config;
use platform::db::Db;

use crate::app;
use crate::cli::print;

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Recompute every entry's hash and the whole tree, and check every signed checkpoint;
    /// exit non-zero naming the first entry that does not match
    Verify,
    /// Check a downloaded proof bundle against its checkpoint, offline, with the log's key
    CheckProof {
        /// The bundle (JSON) downloaded from the access-log page or the proof API
        bundle: PathBuf,
        /// The log's verifier key (`origin+keyid+base64…`, from /api/v1/audit/public-key or
        /// the trust page), or a file holding it
        #[arg(long)]
        public_key: String,
    },
    /// Write a tenant's entries, for auditors
    Export {
        /// The tenant (`ten_…`)
        #[arg(long)]
        tenant: String,
        /// Only entries recorded at or after this RFC 3339 time
        #[arg(long)]
        since: Option<String>,
        #[arg(long, value_enum, default_value = "jsonl")]
        format: Format,
        /// Where to write [default: standard output]
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Print the key that checks this log's checkpoints
    PublicKey,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Jsonl,
    Csv,
}

pub(crate) async fn run(config: Config, command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify => run_verify(&config).await,
        AuditCommand::CheckProof { bundle, public_key } => {
            check_proof_offline(&bundle, &public_key)
        }
        AuditCommand::Export {
            tenant,
            since,
            format,
            output,
        } => {
            run_export(
                &config,
                &tenant,
                since.as_deref(),
                format,
                output.as_deref(),
            )
            .await
        }
        AuditCommand::PublicKey => {
            let key = verifier_key(&config)?;
            print(&format!("{}\n", key.to_line()));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn verifier_key(config: &Config) -> anyhow::Result<VerifierKey> {
    let (key, _) = load_or_create_signing_key(
        &config.server.data_dir,
        config.audit.signing_key_file.as_deref(),
        &config.audit_origin(),
    )?;
    Ok(key.verifier().clone())
}

async fn open_db(config: &Config) -> anyhow::Result<Db> {
    Ok(app::open_database(config, SystemClock.now()).await?.0)
}

/// An indicatif bar on the terminal; nothing when output is not a terminal.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn start(&mut self, total: u64) {
        self.0.set_length(total);
    }

    fn advance(&mut self, done: u64) {
        self.0.set_position(done);
    }
}

async fn run_verify(config: &Config) -> anyhow::Result<ExitCode> {
    let key = verifier_key(config)?;
    let db = open_db(config).await?;
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "verifying {bar:40} {pos}/{len} entries ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let mut progress = Bar(bar);
    let result = verify(&db, &key, &mut progress).await;
    progress.0.finish_and_clear();
    db.close().await;
    match result {
        Ok(report) => {
            print(&format!(
                "the audit log verifies: {} entries, {} signed checkpoints, root {}\n",
                report.entries,
                report.checkpoints,
                base64::engine::general_purpose::STANDARD.encode(report.root)
            ));
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            eprintln!("the audit log does NOT verify: {err}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Needs no configuration, database or network: the bundle and the key are enough.
pub(crate) fn check_proof_offline(bundle: &Path, public_key: &str) -> anyhow::Result<ExitCode> {
    let key_text = if Path::new(public_key).is_file() {
        std::fs::read_to_string(public_key)
            .with_context(|| format!("cannot read the key file {public_key}"))?
    } else {
        public_key.to_owned()
    };
    let key = VerifierKey::parse_line(&key_text)?;
    let text = std::fs::read_to_string(bundle)
        .with_context(|| format!("cannot read {}", bundle.display()))?;
    let bundle: ProofBundle = serde_json::from_str(&text).context(
        "the file is not a proof bundle (JSON from the access-log page or /api/v1/audit/proof)",
    )?;
    match bundle.check(&key) {
        Ok(checkpoint) => {
            print(&format!(
                "OK: entry {} ({} at {}) is in the log {} of {} entries, whose checkpoint is signed by {}\n",
                bundle.entry.index,
                bundle.entry.action,
                bundle.entry.time,
                checkpoint.origin,
                checkpoint.tree_size,
                key.to_line()
            ));
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            eprintln!("the proof does NOT verify: {err}");
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn run_export(
    config: &Config,
    tenant: &str,
    since: Option<&str>,
    format: Format,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let since = match since {
        None => Timestamp::from_millis(0),
        Some(text) => Timestamp::parse_rfc3339(text)
            .context("--since must be an RFC 3339 time such as 2026-01-01T00:00:00Z")?,
    };
    let (audit_log, db) = app::offline_audit(config).await?;
    let event = Event::new(Actor::system("cli"), "audit.export")
        .tenant(tenant)
        .resource("tenant", [tenant]);
    let mut tx = db.begin().await?;
    audit_log.record(&mut tx, event).await?;
    tx.commit().await.context("cannot record the export")?;
    let format = match format {
        Format::Jsonl => ExportFormat::JsonLines,
        Format::Csv => ExportFormat::Csv,
    };
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let count = export(&db, tenant, since, format, &mut out).await?;
    drop(out);
    db.close().await;
    eprintln!("exported {count} entries of {tenant}");
    Ok(ExitCode::SUCCESS)
}
