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
use super::plan::{Plan, Recall, Rules, lookup_terms, plan};
use crate::keys::DataKey;
use crate::model::Contact;
use crate::model::import::Target;
use crate::service::contacts::open_row;
use crate::service::{Caller, Vault, VaultError};
use crate::store::contacts::{self as contacts_store, ContactRow};
use crate::store::imports::{self as imports_store, Counts};
use crate::store::sqlite_bulk::SqliteBulk;
use crate::store::staging;

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
    /// The contacts this import created so far, for its later rows to find.
    pub recall: Recall,
    /// Where the terms of this import's new contacts wait until it ends.
    pub staging: String,
    /// Whether the tenant had contacts when the import started. Rows are matched against
    /// those; a first import into an empty tenant only matches rows against each other,
    /// which saves a look-up per phone and email.
    pub match_existing: bool,
    pub started_at: platform::clock::Timestamp,
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
                let (counts, recall) = on_bulk(bulk, move |bulk| job.run(bulk)).await?;
                self.recall = recall;
                counts
            }
            None => {
                self.write_through_pool(candidates, rejections, rows)
                    .await?
            }
        };
        self.counts = counts;
        Ok(())
    }

    /// Creates the table where the terms of the import's new contacts wait.
    pub async fn prepare(&self) -> Result<(), VaultError> {
        match self.bulk.clone() {
            Some(bulk) => {
                let table = self.staging.clone();
                on_bulk(bulk, move |bulk| bulk.create_staging(&table)).await
            }
            None => {
                let mut conn = self.vault.db().connection().await?;
                Ok(staging::create(&mut conn, &self.staging).await?)
            }
        }
    }

    /// Publishes the staged terms: the import's contacts become findable by search.
    pub async fn publish(&self) -> Result<(), VaultError> {
        match self.bulk.clone() {
            Some(bulk) => {
                let table = self.staging.clone();
                on_bulk(bulk, move |bulk| bulk.publish(&table)).await
            }
            None => {
                let mut tx = self.vault.db().begin().await?;
                staging::publish(&mut tx, &self.staging).await?;
                tx.commit().await.map_err(DbError::from)?;
                Ok(())
            }
        }
    }

    fn batch_job(
        &mut self,
        candidates: Vec<Candidate>,
        rejections: Vec<(u64, String)>,
        rows: i64,
    ) -> BatchJob {
        BatchJob {
            match_existing: self.match_existing,
            recall: std::mem::take(&mut self.recall),
            staging: self.staging.clone(),
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

    /// Adds what the import remembers of its earlier rows to a batch's look-up: the
    /// writer's memory when the tenant had contacts, the reader's when it started empty.
    fn recall_matches(&self, found: &mut Vec<(i64, String)>, candidates: &[Candidate]) {
        if self.match_existing {
            found.extend(self.recall.matches(candidates));
        } else {
            found.extend(candidates.iter().flat_map(|c| c.known.iter().cloned()));
        }
    }

    async fn write_through_pool(
        &mut self,
        candidates: Vec<Candidate>,
        rejections: Vec<(u64, String)>,
        rows: i64,
    ) -> Result<Counts, VaultError> {
        let tenant_id = self.caller.tenant_id.as_str();
        let mut tx = self.vault.db().begin().await?;
        let mut found = if self.match_existing {
            contacts_store::having_terms(&mut tx, tenant_id, &lookup_terms(&candidates)).await?
        } else {
            Vec::new()
        };
        self.recall_matches(&mut found, &candidates);
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
        let rows_of: Vec<&ContactRow> = plan.inserts.iter().map(|new| &new.row).collect();
        contacts_store::insert_rows(&mut tx, tenant_id, &rows_of).await?;
        staging::stage(&mut tx, &self.staging, &staged_terms(&plan)).await?;
        for update in &plan.updates {
            contacts_store::update(&mut tx, tenant_id, &update.row).await?;
            contacts_store::delete_terms(&mut tx, &update.row.id, &update.removed).await?;
            contacts_store::insert_terms(&mut tx, &update.row.id, &update.added).await?;
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
        if self.match_existing {
            self.recall.remember(&plan);
        }
        Ok(counts)
    }
}

/// The terms of a batch's new contacts, in key order.
fn staged_terms(plan: &Plan) -> Vec<(i64, &str)> {
    let mut terms: Vec<(i64, &str)> = plan
        .inserts
        .iter()
        .flat_map(|new| new.terms.iter().map(|t| (*t, new.row.id.as_str())))
        .collect();
    terms.sort_unstable();
    terms
}

/// A batch handed to the SQLite writer's thread, with all it needs.
struct BatchJob {
    match_existing: bool,
    recall: Recall,
    staging: String,
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
    fn run(mut self, bulk: &mut SqliteBulk) -> Result<(Counts, Recall), VaultError> {
        let tenant_id = self.caller.tenant_id.as_str();
        let tx = bulk.begin()?;
        let mut found = if self.match_existing {
            SqliteBulk::having_terms(&tx, tenant_id, &lookup_terms(&self.candidates))?
        } else {
            Vec::new()
        };
        if self.match_existing {
            found.extend(self.recall.matches(&self.candidates));
        } else {
            found.extend(self.candidates.iter().flat_map(|c| c.known.iter().cloned()));
        }
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
        let rows_of: Vec<&ContactRow> = plan.inserts.iter().map(|new| &new.row).collect();
        SqliteBulk::insert_rows(&tx, tenant_id, &rows_of)?;
        SqliteBulk::stage(&tx, &self.staging, &staged_terms(&plan))?;
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
        if self.match_existing {
            self.recall.remember(&plan);
        }
        Ok((counts, self.recall))
    }
}

/// Runs `work` on the import's SQLite connection, on a blocking thread: a batch is many
/// statements, and each would otherwise hold up the async runtime.
async fn on_bulk<T: Send + 'static>(
    bulk: Arc<Mutex<SqliteBulk>>,
    work: impl FnOnce(&mut SqliteBulk) -> Result<T, VaultError> + Send + 'static,
) -> Result<T, VaultError> {
    tokio::task::spawn_blocking(move || {
        let mut bulk = bulk
            .lock()
            .map_err(|_| VaultError::BadInput("the import's writer failed".into()))?;
        work(&mut bulk)
    })
    .await
    .map_err(|_| VaultError::BadInput("the import's writer stopped".into()))?
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
