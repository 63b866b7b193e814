//! [`AuditLog`]: recording entries, signing checkpoints, serving proofs and the customer's
//! view of the log. Verification and export, which read the whole log, live in their own
//! modules and run from the command line.

mod checkpoints;
mod export;
mod proofs;
mod signing_key;
mod verify;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use platform::clock::{Clock, Timestamp};
use platform::crypto::MasterKey;
use platform::crypto::mac::hmac_sha256;
use platform::db::{Db, DbError};
use tokio::sync::{mpsc, oneshot};

use crate::context::RequestMeta;
use crate::model::entry::{Draft, Event};
use crate::model::note::{SigningKey, VerifierKey};
use crate::store::sqlite_nodes::SqliteNodes;
use crate::store::{Conn, append};

pub use checkpoints::CheckpointView;
pub use export::{ExportFormat, export};
pub use proofs::{AccessLogPage, ConsistencyProof, InclusionProof};
pub use signing_key::{KeyError, load_or_create_signing_key};
pub use verify::{Progress, VerifyError, VerifyReport, verify};

/// The log could not make an entry durable, so the data it was for must not be served.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the audit log cannot record this access right now")]
pub struct AuditUnavailable;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("no such entry")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error(
        "no checkpoint covers this entry yet; checkpoints are signed every second, so ask again in a moment"
    )]
    NotYetCheckpointed,
    #[error("{0}")]
    Damaged(String),
    #[error(transparent)]
    Unavailable(#[from] AuditUnavailable),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What the audit log needs from the rest of Rampart.
pub struct AuditDeps {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub signing_key: SigningKey,
    pub master_key: Arc<MasterKey>,
    /// False only to measure what read auditing costs; every read is then served unrecorded.
    pub record_reads: bool,
    /// Whether writes are recorded (off only to measure what auditing costs).
    pub record_writes: bool,
}

/// The audit log, shared by every request.
#[derive(Clone)]
pub struct AuditLog {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    clock: Arc<dyn Clock>,
    signing_key: SigningKey,
    pseudonym_key: [u8; 32],
    record_reads: bool,
    record_writes: bool,
    reads: mpsc::Sender<writer::Pending>,
    /// On an SQLite file, where proofs read their rows.
    sqlite_nodes: Option<Arc<SqliteNodes>>,
}

/// How long a read waits for its entry to become durable before it is refused.
const READ_RECORD_TIMEOUT: Duration = Duration::from_secs(5);

impl AuditLog {
    /// Starts the group-commit writer on the current Tokio runtime; it stops when the last
    /// clone of the log is dropped.
    pub fn new(deps: AuditDeps) -> Self {
        let (reads, queue) = mpsc::channel(writer::QUEUE);
        tokio::spawn(writer::run(deps.db.clone(), queue));
        let sqlite_nodes = deps
            .db
            .sqlite_path()
            .map(|path| Arc::new(SqliteNodes::new(path)));
        Self {
            inner: Arc::new(Inner {
                sqlite_nodes,
                db: deps.db,
                clock: deps.clock,
                signing_key: deps.signing_key,
                pseudonym_key: deps.master_key.derive_key("audit staff pseudonyms"),
                record_reads: deps.record_reads,
                record_writes: deps.record_writes,
                reads,
            }),
        }
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// The key that checks this log's checkpoints.
    pub fn verifier_key(&self) -> &VerifierKey {
        self.inner.signing_key.verifier()
    }

    /// The stable pseudonym under which a staff member appears in the log: the same on every
    /// node and every day, meaningless without the master key.
    pub fn staff_pseudonym(&self, staff_id: &str) -> String {
        let mac = hmac_sha256(&self.inner.pseudonym_key, staff_id.as_bytes());
        format!("staff_{}", hex::encode(&mac[..10]))
    }

    /// Records `event` inside the caller's transaction: the entry exists if and only if the
    /// transaction commits. Record last, just before committing: on PostgreSQL the log's head
    /// stays locked until the transaction ends.
    /// Returns the entry's index; `None` when writes are not recorded (`audit.record_writes`).
    pub async fn record(&self, conn: &mut Conn, event: Event) -> Result<Option<u64>, DbError> {
        if !self.inner.record_writes {
            return Ok(None);
        }
        append::append(conn, vec![self.draft(event)])
            .await
            .map(Some)
    }

    /// [`AuditLog::record`] for a caller writing through a plain SQLite connection (the
    /// database's SQLite thread, a bulk import): appends inside the transaction open on
    /// `conn`, which must have begun with `BEGIN IMMEDIATE`. `meta` is the request the work
    /// started from: a thread outside the request's task cannot see it.
    pub fn record_sqlite(
        &self,
        conn: &rusqlite::Connection,
        event: Event,
        meta: RequestMeta,
    ) -> Result<Option<u64>, DbError> {
        if !self.inner.record_writes {
            return Ok(None);
        }
        let draft = self.draft_with(event, meta);
        crate::store::sqlite_append::append_in(conn, vec![draft]).map(Some)
    }

    fn draft(&self, event: Event) -> Draft {
        self.draft_with(event, RequestMeta::current())
    }

    fn draft_with(&self, event: Event, meta: RequestMeta) -> Draft {
        Draft {
            time: self.now(),
            event,
            request_id: meta.request_id,
            client_ip: meta.client_ip,
        }
    }

    /// Records a read before its data is sent, batched with the reads of concurrent requests
    /// into one transaction; returns the entry's index once it is durable.
    pub async fn record_read(&self, event: Event) -> Result<Option<u64>, AuditUnavailable> {
        if !self.inner.record_reads {
            return Ok(None);
        }
        let (reply, answer) = oneshot::channel();
        let pending = writer::Pending {
            draft: self.draft(event),
            reply,
        };
        let wait = async {
            self.inner
                .reads
                .send(pending)
                .await
                .map_err(|_| AuditUnavailable)?;
            answer.await.map_err(|_| AuditUnavailable)?
        };
        match tokio::time::timeout(READ_RECORD_TIMEOUT, wait).await {
            Ok(result) => result.map(Some),
            Err(_) => Err(AuditUnavailable),
        }
    }
}
