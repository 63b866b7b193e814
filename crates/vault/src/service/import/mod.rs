//! Bulk import of contacts from CSV, as a job with progress.
//!
//! A thread reads and checks the file and seals its rows (`parse`); a task matches them to
//! existing contacts and writes each batch in one transaction with its progress and audit
//! entry (`write`). Uploads through the API wait in an encrypted spool file (`spool`)
//! so the request can end while the job runs.

mod key_slots;
mod parse;
mod plan;
pub mod spool;
mod write;

use std::collections::BTreeMap;
use std::io::Read;

use std::sync::{Arc, Mutex};

use audit::{Outcome, RequestMeta};
use platform::clock::Timestamp;
use platform::ids::new_id;
use tokio::sync::{mpsc, oneshot, watch};

use super::{Caller, Vault, VaultError};
use crate::model::FieldErrors;
use crate::store::imports::{self as store, Counts, ImportRow};
use crate::store::sqlite_bulk::SqliteBulk;
use crate::store::staging;

/// What to do with a row that is a contact already (same phone or email; same name when the
/// row has neither).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MergePolicy {
    /// Leave the contact as it is.
    #[default]
    Skip,
    /// Add what the row brings (see `model::import::merge_into`).
    Update,
}

impl MergePolicy {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "skip" => Some(Self::Skip),
            "update" => Some(Self::Update),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Skip => "skip",
            Self::Update => "update",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub merge: MergePolicy,
    /// Header → target key, where the header's own name does not say.
    pub columns: BTreeMap<String, String>,
}

/// An import as its owner sees it.
#[derive(Debug, Clone)]
pub struct ImportStatus {
    pub id: String,
    /// `running`, `done`, `failed`, or `interrupted` (its node stopped).
    pub state: String,
    pub merge_policy: String,
    pub counts: Counts,
    pub failure: Option<String>,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

/// A running import started by this process.
pub struct ImportHandle {
    pub id: String,
    /// Counts after each batch.
    pub progress: watch::Receiver<Counts>,
    /// The final status, when the job ends.
    pub done: oneshot::Receiver<ImportStatus>,
}

/// A running import that has not moved for this long was interrupted.
const STALL_MS: i64 = 120_000;

impl Vault {
    /// Starts importing `source` for the caller's tenant. Returns once the header is read
    /// and mapped (a file that cannot be mapped is refused here and creates no job); the
    /// rows are imported in the background.
    pub async fn start_import(
        &self,
        caller: &Caller,
        source: impl Read + Send + 'static,
        options: ImportOptions,
    ) -> Result<ImportHandle, VaultError> {
        let (key, definitions, match_existing) = {
            let mut conn = self.db().connection().await?;
            let key = self.key(&mut conn, caller).await?;
            let definitions = self.definitions(&mut conn, caller).await?;
            let any = crate::store::contacts::any(&mut conn, &caller.tenant_id).await?;
            (key, definitions, any)
        };
        let job = parse::Job {
            recall: (!match_existing).then(plan::Recall::default),
            tenant_id: caller.tenant_id.clone(),
            key: key.clone(),
            definitions,
            columns: options.columns,
            now: self.now(),
        };
        let (mapped_tx, mapped_rx) = oneshot::channel();
        // Two batches in flight let the reader run ahead while a commit waits on the disk;
        // more only hold more rows in memory.
        let (batches_tx, mut batches_rx) = mpsc::channel(2);
        std::thread::Builder::new()
            .name("rampart-import".into())
            .spawn(move || parse::run(source, job, mapped_tx, batches_tx))
            .map_err(|err| VaultError::BadInput(format!("cannot start the import: {err}")))?;
        let targets = match mapped_rx.await {
            Ok(Ok(targets)) => targets,
            Ok(Err(parse::Unreadable::Mapping(errors))) => return Err(VaultError::Invalid(errors)),
            Ok(Err(parse::Unreadable::Header(message))) => {
                let mut errors = FieldErrors::new();
                errors.insert("file", message);
                return Err(VaultError::Invalid(errors));
            }
            Err(_) => return Err(VaultError::BadInput("the file could not be read".into())),
        };
        let id = new_id("imp");
        let staging_table = crate::store::staging::table_of(&id)
            .ok_or_else(|| VaultError::BadInput("cannot name the import's staging table".into()))?;
        let mut tx = self.db().begin().await?;
        store::insert(
            &mut tx,
            &caller.tenant_id,
            &id,
            options.merge.as_str(),
            self.now().as_millis(),
        )
        .await?;
        let event = self
            .event(caller, "vault.import.start")
            .resource("contact_import", [id.as_str()])
            .details(format!("merge={}", options.merge.as_str()));
        self.inner.audit.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;

        let (progress_tx, progress) = watch::channel(Counts::default());
        let (done_tx, done) = oneshot::channel();
        let bulk = match self.db().sqlite_path() {
            Some(path) => Some(Arc::new(Mutex::new(SqliteBulk::open(path)?))),
            None => None,
        };
        let meta = RequestMeta::current();
        let mut writer = write::Writer {
            vault: self.clone(),
            caller: caller.clone(),
            import_id: id.clone(),
            key,
            policy: options.merge,
            targets,
            counts: Counts::default(),
            meta: meta.clone(),
            bulk,
            recall: plan::Recall::default(),
            staging: staging_table,
            match_existing,
            started_at: self.now(),
        };
        writer.prepare().await?;
        let vault = self.clone();
        tokio::spawn(meta.scope(async move {
            let mut failure = None;
            while let Some(batch) = batches_rx.recv().await {
                let result = match batch {
                    Ok(batch) => writer.write(batch).await,
                    Err(message) => Err(VaultError::BadInput(message)),
                };
                if let Err(err) = result {
                    failure = Some(err);
                    break;
                }
                let _ = progress_tx.send(writer.counts);
            }
            // Even a failed import publishes what it wrote: those contacts exist.
            let started = std::time::Instant::now();
            tracing::info!(import = %writer.import_id, rows = writer.counts.rows_read, "import read; indexing its contacts");
            if let Err(err) = writer.publish().await {
                failure.get_or_insert(err);
            }
            tracing::info!(import = %writer.import_id, seconds = started.elapsed().as_secs_f64(), "import indexed");
            let status = vault.finish_import(&writer, failure).await;
            let _ = done_tx.send(status);
        }));
        Ok(ImportHandle { id, progress, done })
    }

    async fn finish_import(
        &self,
        writer: &write::Writer,
        failure: Option<VaultError>,
    ) -> ImportStatus {
        let failure = failure.map(|err| match err {
            VaultError::BadInput(message) => message,
            other => {
                tracing::error!(import = %writer.import_id, error = %other, "an import stopped");
                "the import stopped on a server error; the rows counted are saved, run the same \
                 file again to finish it"
                    .to_owned()
            }
        });
        let state = if failure.is_some() { "failed" } else { "done" };
        let now = self.now();
        let counts = writer.counts;
        let recorded = async {
            let mut tx = self.db().begin().await?;
            store::finish(
                &mut tx,
                &writer.import_id,
                state,
                failure.as_deref(),
                now.as_millis(),
            )
            .await?;
            let event = self
                .event(&writer.caller, "vault.import.finish")
                .resource("contact_import", [writer.import_id.as_str()])
                .outcome(if failure.is_some() {
                    Outcome::Failed
                } else {
                    Outcome::Allowed
                })
                .details(format!(
                    "rows={} created={} updated={} unchanged={} rejected={}",
                    counts.rows_read,
                    counts.created,
                    counts.updated,
                    counts.unchanged,
                    counts.rejected
                ));
            self.inner.audit.record(&mut tx, event).await?;
            tx.commit().await.map_err(platform::db::DbError::from)?;
            Ok::<_, VaultError>(())
        };
        if let Err(err) = recorded.await {
            tracing::error!(import = %writer.import_id, error = %err, "an import's end was not recorded");
        }
        ImportStatus {
            id: writer.import_id.clone(),
            state: state.to_owned(),
            merge_policy: writer.policy.as_str().to_owned(),
            counts,
            failure,
            started_at: writer.started_at,
            finished_at: Some(now),
        }
    }

    /// An import of the caller's tenant, or not found.
    pub async fn import_status(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<ImportStatus, VaultError> {
        if !platform::ids::is_well_formed("imp", id) {
            return Err(VaultError::NotFound);
        }
        let mut conn = self.db().connection().await?;
        let row = store::get(&mut conn, &caller.tenant_id, id)
            .await?
            .ok_or(VaultError::NotFound)?;
        Ok(status(row, self.now()))
    }

    /// The rows an import refused, by line, with their reasons.
    pub async fn import_rejections(
        &self,
        caller: &Caller,
        id: &str,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, VaultError> {
        if !platform::ids::is_well_formed("imp", id) {
            return Err(VaultError::NotFound);
        }
        let mut conn = self.db().connection().await?;
        store::get(&mut conn, &caller.tenant_id, id)
            .await?
            .ok_or(VaultError::NotFound)?;
        Ok(store::rejections(&mut conn, id, limit).await?)
    }
}

impl Vault {
    /// Publishes the staged terms of imports that stopped halfway (their node stopped), so
    /// the contacts they created become findable; returns how many. Imports still moving,
    /// on another node, are left alone.
    pub async fn publish_interrupted_imports(&self) -> Result<usize, VaultError> {
        let mut conn = self.db().connection().await?;
        let now = self.now().as_millis();
        let mut published = 0;
        for table in staging::tables(&mut conn, self.db().dialect()).await? {
            let Some(import_id) = staging::import_of(&table) else {
                continue;
            };
            match store::get_any(&mut conn, &import_id).await? {
                Some(row) if row.state == "running" && now - row.updated_at <= STALL_MS => {}
                Some(_) => {
                    let mut tx = self.db().begin().await?;
                    staging::publish(&mut tx, &table).await?;
                    tx.commit().await.map_err(platform::db::DbError::from)?;
                    published += 1;
                }
                None => {
                    staging::drop(&mut conn, &table).await?;
                }
            }
        }
        Ok(published)
    }
}

fn status(row: ImportRow, now: Timestamp) -> ImportStatus {
    let stalled = row.state == "running" && now.as_millis() - row.updated_at > STALL_MS;
    ImportStatus {
        id: row.id,
        state: if stalled {
            "interrupted".into()
        } else {
            row.state
        },
        merge_policy: row.merge_policy,
        counts: row.counts,
        failure: row.failure,
        started_at: Timestamp::from_millis(row.started_at),
        finished_at: row.finished_at.map(Timestamp::from_millis),
    }
}
