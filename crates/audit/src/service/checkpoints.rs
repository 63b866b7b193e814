//! Signed checkpoints: the lease holder signs the tree's head whenever it has grown.

use std::time::Duration;

use platform::clock::Timestamp;
use platform::db::lease::Leadership;

use super::{AuditError, AuditLog};
use crate::model::merkle::Hash;
use crate::model::note::Checkpoint;
use crate::store::append;
use crate::store::checkpoints::{self, CheckpointRow};

/// A signed checkpoint as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointView {
    pub tree_size: u64,
    pub root_hash: Hash,
    pub signed_at: Timestamp,
    /// The signed note, verifiable with the log's public key.
    pub note: String,
}

impl TryFrom<CheckpointRow> for CheckpointView {
    type Error = AuditError;

    fn try_from(row: CheckpointRow) -> Result<Self, AuditError> {
        Ok(Self {
            tree_size: row.tree_size,
            root_hash: Hash::try_from(row.root_hash.as_slice()).map_err(|_| {
                AuditError::Damaged(format!(
                    "the checkpoint of size {} is damaged; run `rampart audit verify`",
                    row.tree_size
                ))
            })?,
            signed_at: Timestamp::from_millis(row.signed_at),
            note: row.note,
        })
    }
}

impl AuditLog {
    /// Signs the tree's head if it grew since the last checkpoint; returns the new one.
    pub async fn checkpoint_if_grown(&self) -> Result<Option<CheckpointView>, AuditError> {
        let mut conn = self.db().connection().await?;
        let head = append::head(&mut conn).await?;
        let latest = checkpoints::latest(&mut conn).await?;
        if head.size() == 0 || latest.is_some_and(|c| c.tree_size >= head.size()) {
            return Ok(None);
        }
        let checkpoint = Checkpoint {
            origin: self.verifier_key().name.clone(),
            tree_size: head.size(),
            root: head.root(),
        };
        let row = CheckpointRow {
            tree_size: checkpoint.tree_size,
            root_hash: checkpoint.root.to_vec(),
            signed_at: self.now().as_millis(),
            note: self.inner.signing_key.sign(&checkpoint),
        };
        checkpoints::insert(&mut conn, &row).await?;
        Ok(Some(row.try_into()?))
    }

    pub async fn latest_checkpoint(&self) -> Result<Option<CheckpointView>, AuditError> {
        let mut conn = self.db().connection().await?;
        checkpoints::latest(&mut conn)
            .await?
            .map(CheckpointView::try_from)
            .transpose()
    }

    /// Signs checkpoints every `interval` while this node holds the jobs lease.
    pub async fn run_checkpoints(
        self,
        leadership: Leadership,
        interval: Duration,
        shutdown: impl Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                _ = ticks.tick() => {}
            }
            if !leadership.is_leader() {
                continue;
            }
            if let Err(err) = self.checkpoint_if_grown().await {
                tracing::warn!(error = %err, "could not sign an audit checkpoint");
            }
        }
    }
}
