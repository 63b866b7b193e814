//! The group-commit writer of read entries.
//!
//! A read must not send data before its entry is durable, and a commit (an fsync) per read
//! would cap reads at the disk's fsync rate. One writer task takes every entry waiting in
//! its queue, appends them all in one transaction, and answers each request when that
//! transaction has committed; while it commits, the next batch gathers.

use platform::db::{Db, DbError};
use tokio::sync::{mpsc, oneshot};

use crate::model::entry::Draft;
use crate::service::AuditUnavailable;
use crate::store::append;

/// Entries waiting for the writer before senders wait too.
pub(super) const QUEUE: usize = 4096;
/// Entries per transaction at most.
const MAX_BATCH: usize = 1024;

pub(super) struct Pending {
    pub draft: Draft,
    pub reply: oneshot::Sender<Result<u64, AuditUnavailable>>,
}

pub(super) async fn run(db: Db, mut queue: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (drafts, replies): (Vec<Draft>, Vec<_>) =
            batch.drain(..).map(|p| (p.draft, p.reply)).unzip();
        let count = drafts.len();
        let result = append_batch(&db, drafts).await;
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

async fn append_batch(db: &Db, drafts: Vec<Draft>) -> Result<u64, DbError> {
    let mut tx = db.begin().await?;
    let first = append::append(&mut tx, drafts).await?;
    tx.commit().await?;
    Ok(first)
}
