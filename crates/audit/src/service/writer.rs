//! The group-commit writer of read entries.
//!
//! A read must not send data before its entry is durable, and a commit (an fsync) per read
//! would cap reads at the disk's fsync rate. One writer task takes every entry waiting in
//! its queue, appends them all in one transaction, and answers each request when that
//! transaction has committed; while it commits, the next batch gathers.
//!
//! On SQLite the batches are written by a thread of its own through
//! [`crate::store::sqlite_append`], a whole transaction per hand-over; on PostgreSQL through
//! the pool.

use std::sync::mpsc as std_mpsc;

use platform::db::Db;
use tokio::sync::{mpsc, oneshot};

use crate::model::entry::Draft;
use crate::service::AuditUnavailable;
use crate::store::append;
use crate::store::sqlite_append::SqliteAppender;

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

/// A batch and where its outcome goes: the first index, or why it was not written.
type Job = (Vec<Draft>, oneshot::Sender<Result<u64, String>>);

enum Appender {
    Pool(Db),
    /// The sending end of the SQLite writing thread, which stops when this is dropped.
    Sqlite(std_mpsc::Sender<Job>),
}

impl Appender {
    fn for_db(db: Db) -> Self {
        let Some(path) = db.sqlite_path().map(ToOwned::to_owned) else {
            return Self::Pool(db);
        };
        let (jobs, queue) = std_mpsc::channel::<Job>();
        let started = SqliteAppender::open(&path)
            .map_err(|err| err.to_string())
            .and_then(|mut appender| {
                std::thread::Builder::new()
                    .name("rampart-audit".into())
                    .spawn(move || {
                        for (drafts, reply) in queue {
                            let _ = reply.send(appender.append(drafts).map_err(|e| e.to_string()));
                        }
                    })
                    .map_err(|err| err.to_string())
            });
        match started {
            Ok(_) => Self::Sqlite(jobs),
            Err(err) => {
                tracing::warn!(error = %err, "the audit log writes reads through the pool instead of a connection of its own");
                Self::Pool(db)
            }
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
            Self::Sqlite(jobs) => {
                let (reply, outcome) = oneshot::channel();
                jobs.send((drafts, reply))
                    .map_err(|_| "the audit writing thread stopped".to_owned())?;
                outcome
                    .await
                    .map_err(|_| "the audit writing thread stopped".to_owned())?
            }
        }
    }
}
