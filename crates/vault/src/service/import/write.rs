//! The import's second stage: for each batch, finds the contacts its rows already are,
//! decides what the batch does (`plan`), and writes it with the job's progress and audit
//! entry in one transaction, so a crash loses nothing counted and counts nothing lost.
//!
//! Through the pool on PostgreSQL; on an SQLite file through a connection of its own
//! (`store::sqlite_bulk`), the whole batch in one hand-over to a blocking thread, since each
//! statement through the pool costs two thread switches and a batch has thousands.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use audit::{Event, RequestMeta};
use platform::db::DbError;

use super::MergePolicy;
use super::parse::{Candidate, Prepared};
use super::plan::{Plan, Rules, lookup_terms, plan};
use crate::keys::DataKey;
use crate::model::Contact;
use crate::model::import::Target;
use crate::service::contacts::open_row;
use crate::service::{Caller, Vault, VaultError};
use crate::store::contacts::{self as contacts_store, ContactRow};
use crate::store::imports::{self as imports_store, Counts};
use crate::store::sqlite_bulk::SqliteBulk;

pub(super) struct Writer {
    pub vault: Vault,
    pub caller: Caller,
    pub import_id: String,
    pub key: DataKey,
    pub policy: MergePolicy,
    pub targets: Vec<Target>,
    pub counts: Counts,
    pub meta: RequestMeta,
    /// The SQLite fast path, when the database is an SQLite file.
    pub bulk: Option<Arc<Mutex<SqliteBulk>>>,
}

impl Writer {
    pub async fn write(&mut self, batch: Vec<Prepared>) -> Result<(), VaultError> {
        let mut rejections = Vec::new();
        let mut candidates = Vec::with_capacity(batch.len());
        for prepared in batch {
            match prepared.outcome {
                Ok(candidate) => candidates.push(candidate),
                Err(reason) => rejections.push((prepared.line, reason)),
            }
        }
        let rows = (candidates.len() + rejections.len()) as i64;
        let counts = match self.bulk.clone() {
            Some(bulk) => {
                let job = self.batch_job(candidates, rejections, rows);
                tokio::task::spawn_blocking(move || {
                    let mut bulk = bulk
                        .lock()
                        .map_err(|_| VaultError::BadInput("the import's writer failed".into()))?;
                    job.run(&mut bulk)
                })
                .await
                .map_err(|_| VaultError::BadInput("the import's writer stopped".into()))??
            }
            None => {
                self.write_through_pool(candidates, rejections, rows)
                    .await?
            }
        };
        self.counts = counts;
        Ok(())
    }

    fn batch_job(
        &self,
        candidates: Vec<Candidate>,
        rejections: Vec<(u64, String)>,
        rows: i64,
    ) -> BatchJob {
        BatchJob {
            vault: self.vault.clone(),
            caller: self.caller.clone(),
            import_id: self.import_id.clone(),
            key: self.key.clone(),
            policy: self.policy,
            targets: self.targets.clone(),
            counts: self.counts,
            meta: self.meta.clone(),
            candidates,
            rejections,
            rows,
        }
    }

    async fn write_through_pool(
        &self,
        candidates: Vec<Candidate>,
        rejections: Vec<(u64, String)>,
        rows: i64,
    ) -> Result<Counts, VaultError> {
        let tenant_id = self.caller.tenant_id.as_str();
        let mut tx = self.vault.db().begin().await?;
        let found =
            contacts_store::having_terms(&mut tx, tenant_id, &lookup_terms(&candidates)).await?;
        let (owners, ids) = owners_of(found);
        let existing = contacts_store::get_many(&mut tx, tenant_id, &ids).await?;
        let existing = open_all(&self.key, tenant_id, existing)?;
        let rules = Rules {
            key: &self.key,
            tenant_id,
            policy: self.policy,
            targets: &self.targets,
        };
        let plan = plan(&rules, candidates, &owners, existing);
        contacts_store::insert_many(&mut tx, tenant_id, &plan.inserts).await?;
        for update in &plan.updates {
            contacts_store::update(&mut tx, tenant_id, &update.row).await?;
            contacts_store::delete_terms(&mut tx, tenant_id, &update.row.id, &update.removed)
                .await?;
            contacts_store::insert_terms(&mut tx, tenant_id, &update.row.id, &update.added).await?;
        }
        let counts = next_counts(self.counts, &plan, rows, rejections.len());
        let now = self.vault.now().as_millis();
        imports_store::progress(&mut tx, &self.import_id, counts, &rejections, now).await?;
        let event = batch_event(
            &self.vault,
            &self.caller,
            &self.import_id,
            &plan,
            rejections.len(),
        );
        self.vault.inner.audit.record(&mut tx, event).await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(counts)
    }
}

/// A batch handed to the SQLite writer's thread, with all it needs.
struct BatchJob {
    vault: Vault,
    caller: Caller,
    import_id: String,
    key: DataKey,
    policy: MergePolicy,
    targets: Vec<Target>,
    counts: Counts,
    meta: RequestMeta,
    candidates: Vec<Candidate>,
    rejections: Vec<(u64, String)>,
    rows: i64,
}

impl BatchJob {
    fn run(self, bulk: &mut SqliteBulk) -> Result<Counts, VaultError> {
        let tenant_id = self.caller.tenant_id.as_str();
        let tx = bulk.begin()?;
        let found = SqliteBulk::having_terms(&tx, tenant_id, &lookup_terms(&self.candidates))?;
        let (owners, ids) = owners_of(found);
        let existing = SqliteBulk::get_many(&tx, tenant_id, &ids)?;
        let existing = open_all(&self.key, tenant_id, existing)?;
        let rules = Rules {
            key: &self.key,
            tenant_id,
            policy: self.policy,
            targets: &self.targets,
        };
        let plan = plan(&rules, self.candidates, &owners, existing);
        SqliteBulk::insert_many(&tx, tenant_id, &plan.inserts)?;
        for update in &plan.updates {
            SqliteBulk::update(&tx, tenant_id, &update.row, &update.removed, &update.added)?;
        }
        let counts = next_counts(self.counts, &plan, self.rows, self.rejections.len());
        let now = self.vault.now().as_millis();
        SqliteBulk::progress(&tx, &self.import_id, counts, &self.rejections, now)?;
        let event = batch_event(
            &self.vault,
            &self.caller,
            &self.import_id,
            &plan,
            self.rejections.len(),
        );
        self.vault
            .inner
            .audit
            .record_sqlite(&tx, event, self.meta)
            .map_err(|err| VaultError::Storage(err.to_string()))?;
        tx.commit().map_err(crate::store::sqlite_bulk::db_error)?;
        Ok(counts)
    }
}

/// Term → the contacts that have it, and every such contact once.
fn owners_of(found: Vec<(i64, String)>) -> (HashMap<i64, Vec<String>>, Vec<String>) {
    let mut owners: HashMap<i64, Vec<String>> = HashMap::new();
    for (term, id) in found {
        owners.entry(term).or_default().push(id);
    }
    let mut ids: Vec<String> = owners.values().flatten().cloned().collect();
    ids.sort_unstable();
    ids.dedup();
    (owners, ids)
}

fn open_all(
    key: &DataKey,
    tenant_id: &str,
    rows: Vec<ContactRow>,
) -> Result<HashMap<String, Contact>, VaultError> {
    rows.into_iter()
        .map(|row| open_row(key, tenant_id, row).map(|c| (c.id.clone(), c)))
        .collect()
}

fn next_counts(before: Counts, plan: &Plan, rows: i64, rejected: usize) -> Counts {
    Counts {
        rows_read: before.rows_read + rows,
        created: before.created + plan.inserts.len() as i64,
        updated: before.updated + plan.updates.len() as i64,
        unchanged: before.unchanged + plan.unchanged,
        rejected: before.rejected + rejected as i64,
    }
}

fn batch_event(
    vault: &Vault,
    caller: &Caller,
    import_id: &str,
    plan: &Plan,
    rejected: usize,
) -> Event {
    vault
        .event(caller, "vault.import.write")
        .resource("contact", plan.touched())
        .details(format!(
            "import={import_id} created={} updated={} rejected={rejected}",
            plan.inserts.len(),
            plan.updates.len()
        ))
}
