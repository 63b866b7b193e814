//! The group-commit writer of read entries.
//!
//! A read must not send data before its entry is durable, and a commit (an fsync) per read
//! would cap reads at the disk's fsync rate. One writer task takes every entry waiting in
//! its queue, appends them all in one transaction, and answers each request when that
//! transaction has committed; while it commits, the next batch gathers.
//!
//! On SQLite the batches are written on the database's SQLite thread
//! ([`platform::db::SqliteThread`]) through [`crate::store::sqlite_append`], a whole
//! transaction per hand-over; on PostgreSQL through the pool.

use platform::db::{Db, SqliteThread};
use tokio::sync::{mpsc, oneshot};

use crate::model::entry::Draft;
use crate::service::AuditUnavailable;
use crate::store::append;
use crate::store::sqlite_append;

/// Entries waiting for the writer before senders wait too.
pub(super) const QUEUE: usize = 4096;
/// Entries per transaction at most.
const MAX_BATCH: usize = 1024;

pub(super) struct Pending {
    pub draft: Draft,
    pub reply: oneshot::Sender<Result<u64, AuditUnavailable>>,
}

pub(super) async fn run(db: Db, mut queue: mpsc::Receiver<Pending>) {
    let appender = Appender::for_db(db);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (drafts, replies): (Vec<Draft>, Vec<_>) =
            batch.drain(..).map(|p| (p.draft, p.reply)).unzip();
        let count = drafts.len();
        let result = appender.append(drafts).await;
        if let Err(err) = &result {
            tracing::error!(error = %err, entries = count, "the audit log could not record reads; they are refused");
        }
        for (offset, reply) in (0u64..).zip(replies) {
            let answer = result
                .as_ref()
                .map(|first| first + offset)
                .map_err(|_| AuditUnavailable);
            // A request that gave up waiting has gone; its entry stays, harmlessly.
            let _ = reply.send(answer);
        }
    }
}

enum Appender {
    Pool(Db),
    /// The database's SQLite thread.
    Sqlite(SqliteThread),
}

impl Appender {
    fn for_db(db: Db) -> Self {
        match db.sqlite_thread() {
            Some(thread) => Self::Sqlite(thread.clone()),
            None => Self::Pool(db),
        }
    }

    async fn append(&self, drafts: Vec<Draft>) -> Result<u64, String> {
        match self {
            Self::Pool(db) => {
                let mut tx = db.begin().await.map_err(|e| e.to_string())?;
                let first = append::append(&mut tx, drafts)
                    .await
                    .map_err(|e| e.to_string())?;
                tx.commit().await.map_err(|e| e.to_string())?;
                Ok(first)
            }
            Self::Sqlite(thread) => thread
                .run(move |conn| sqlite_append::append(conn, drafts))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string()),
        }
    }
}
