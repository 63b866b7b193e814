//! `rampart import contacts` and `rampart keys rotate`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use audit::Actor;
use indicatif::{ProgressBar, ProgressStyle};
use platform::config::Config;
use vault::service::{ImportOptions, MergePolicy};
use vault::{Caller, VaultError};

use crate::app;
use crate::cli::{ImportCommand, print};

/// Rejections printed at the end; the report file has all of them.
const SHOWN: i64 = 20;

pub(crate) async fn import(config: Config, command: ImportCommand) -> anyhow::Result<ExitCode> {
    let ImportCommand::Contacts {
        tenant,
        merge,
        columns,
        report,
        file,
    } = command;
    let columns = parse_columns(&columns)?;
    let (identity, _) = app::offline_identity(&config).await?;
    if !identity.tenant_exists(&tenant).await? {
        anyhow::bail!("no tenant {tenant}: give the id shown as tenant_id by GET /api/v1/me");
    }
    let (vault, db) = app::offline_vault(&config).await?;
    let source = File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
    let size = source.metadata().map(|m| m.len()).unwrap_or(0);
    let read = Arc::new(AtomicU64::new(0));
    let reader = Counting {
        inner: BufReader::with_capacity(1 << 20, source),
        read: read.clone(),
    };
    let caller = Caller {
        tenant_id: tenant,
        actor: Actor::system("cli"),
    };
    let options = ImportOptions {
        merge: MergePolicy::parse(&merge).unwrap_or_default(),
        columns,
    };
    let mut handle = match vault.start_import(&caller, reader, options).await {
        Ok(handle) => handle,
        Err(VaultError::Invalid(errors)) => {
            let lines: Vec<String> = errors
                .into_map()
                .into_iter()
                .map(|(field, message)| format!("  {field}: {message}"))
                .collect();
            anyhow::bail!("the file cannot be imported:\n{}", lines.join("\n"));
        }
        Err(err) => return Err(err.into()),
    };
    let bar = ProgressBar::new(size).with_style(
        ProgressStyle::with_template("importing {bar:40} {bytes}/{total_bytes} ({eta} left) {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let status = loop {
        tokio::select! {
            done = &mut handle.done => break done.context("the import stopped unexpectedly")?,
            _ = handle.progress.changed() => {
                let counts = *handle.progress.borrow();
                bar.set_position(read.load(Ordering::Relaxed));
                bar.set_message(format!(
                    "{} rows, {} created, {} rejected",
                    counts.rows_read, counts.created, counts.rejected
                ));
            }
        }
    };
    bar.finish_and_clear();
    let counts = status.counts;
    print(&format!(
        "import {}: {}\n  rows read: {}\n  created: {}\n  updated: {}\n  unchanged: {}\n  rejected: {}\n",
        status.id,
        status.state,
        counts.rows_read,
        counts.created,
        counts.updated,
        counts.unchanged,
        counts.rejected
    ));
    let rejections = vault
        .import_rejections(&caller, &status.id, i64::MAX)
        .await?;
    for (line, reason) in rejections.iter().take(SHOWN as usize) {
        print(&format!("  line {line}: {reason}\n"));
    }
    if rejections.len() > SHOWN as usize {
        print(&format!(
            "  … and {} more\n",
            rejections.len() - SHOWN as usize
        ));
    }
    if let Some(path) = report {
        let mut writer = csv::Writer::from_path(&path)
            .with_context(|| format!("cannot write the report {}", path.display()))?;
        writer.write_record(["line", "reason"])?;
        for (line, reason) in &rejections {
            writer.write_record([line.to_string(), reason.clone()])?;
        }
        writer.flush()?;
        print(&format!(
            "the rejected rows are listed in {}\n",
            path.display()
        ));
    }
    db.close().await;
    if let Some(failure) = status.failure {
        anyhow::bail!("the import failed: {failure}");
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_columns(given: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    given
        .iter()
        .map(|pair| {
            pair.rsplit_once('=')
                .map(|(header, field)| (header.to_owned(), field.trim().to_owned()))
                .with_context(|| format!("--column {pair:?}: write it as HEADER=FIELD"))
        })
        .collect()
}

/// Counts the bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

pub(crate) async fn rotate(config: Config) -> anyhow::Result<ExitCode> {
    let rotated = app::rotate_master_key(&config).await?;
    print(&format!(
        "rotated the master key {} → {}: {} data keys re-wrapped, {} people's TOTP secrets re-sealed\n\
         the previous key is {}: keep it only as long as backups made before now, then destroy it\n",
        rotated.old_id,
        rotated.new_id,
        rotated.data_keys,
        rotated.totp_secrets,
        rotated.retired.display()
    ));
    Ok(ExitCode::SUCCESS)
}
