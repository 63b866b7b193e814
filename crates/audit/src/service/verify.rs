//! `rampart audit verify`: the whole log recomputed from its entries.
//!
//! Each entry is re-encoded from its row and hashed; the tree is rebuilt leaf by leaf, and
//! its root at every checkpointed size must equal the checkpoint's root, whose signature
//! must verify. The end of the log must match the stored head. When a root does not match,
//! a second pass over that stretch compares each entry with the leaf hash stored when it
//! was appended, to name the first entry that changed.

use futures_util::TryStreamExt;
use platform::db::{Db, DbError};

use crate::model::merkle::{Frontier, Hash, leaf_hash};
use crate::model::note::VerifierKey;
use crate::store::checkpoints::{self, CheckpointRow};
use crate::store::entries::{self, entry_of};
use crate::store::{append, nodes};

/// What a successful verification covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub entries: u64,
    pub checkpoints: u64,
    pub root: Hash,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("entry {index} does not match what was recorded: {reason}")]
    Entry { index: u64, reason: String },
    #[error("entry {index} is missing")]
    Missing { index: u64 },
    #[error("checkpoint of tree size {tree_size}: {reason}")]
    Checkpoint { tree_size: u64, reason: String },
    #[error("{0}")]
    Tree(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl VerifyError {
    /// The first entry that does not match, when one is named.
    pub fn entry_index(&self) -> Option<u64> {
        match self {
            Self::Entry { index, .. } | Self::Missing { index } => Some(*index),
            _ => None,
        }
    }
}

/// Reports how many entries have been checked so far.
pub trait Progress {
    fn start(&mut self, total: u64);
    fn advance(&mut self, done: u64);
}

/// How often progress is reported, in entries.
const PROGRESS_EVERY: u64 = 1 << 16;

pub async fn verify(
    db: &Db,
    key: &VerifierKey,
    progress: &mut dyn Progress,
) -> Result<VerifyReport, VerifyError> {
    let mut conn = db.connection().await?;
    let head = append::head(&mut conn).await?;
    let stored = checkpoints::all(&mut conn).await?;
    for checkpoint in &stored {
        check_signature(key, checkpoint)?;
    }
    progress.start(head.size());
    let mut frontier = Frontier::default();
    let mut pending = stored.iter().peekable();
    let mut last_good = 0u64;
    let mut buffer = Vec::with_capacity(256);
    {
        let mut rows = entries::stream_from(&mut conn, 0);
        while let Some(row) = rows.try_next().await? {
            let expected = frontier.size();
            let entry = entry_of(row).map_err(|err| VerifyError::Entry {
                index: err.index,
                reason: err.to_string(),
            })?;
            if entry.index != expected {
                return Err(VerifyError::Missing { index: expected });
            }
            entry.encode_into(&mut buffer);
            frontier.push_leaf(leaf_hash(&buffer));
            let size = frontier.size();
            if let Some(checkpoint) = pending.next_if(|c| c.tree_size == size) {
                if checkpoint.root_hash != frontier.root() {
                    drop(rows);
                    return Err(locate(db, last_good, size, checkpoint).await);
                }
                last_good = size;
            }
            if size % PROGRESS_EVERY == 0 {
                progress.advance(size);
            }
        }
    }
    progress.advance(frontier.size());
    if frontier.size() < head.size() {
        return Err(VerifyError::Missing {
            index: frontier.size(),
        });
    }
    if let Some(beyond) = pending.next() {
        return Err(VerifyError::Checkpoint {
            tree_size: beyond.tree_size,
            reason: format!("it is beyond the {} entries in the log", frontier.size()),
        });
    }
    if frontier.size() > head.size() || frontier.root() != head.root() {
        let end = CheckpointRow {
            tree_size: frontier.size(),
            root_hash: head.root().to_vec(),
            signed_at: 0,
            note: String::new(),
        };
        return Err(locate(db, last_good, frontier.size(), &end).await);
    }
    Ok(VerifyReport {
        entries: frontier.size(),
        checkpoints: stored.len() as u64,
        root: frontier.root(),
    })
}

fn check_signature(key: &VerifierKey, row: &CheckpointRow) -> Result<(), VerifyError> {
    let fail = |reason: String| VerifyError::Checkpoint {
        tree_size: row.tree_size,
        reason,
    };
    let signed = key.open(&row.note).map_err(|err| fail(err.to_string()))?;
    if signed.tree_size != row.tree_size || signed.root.as_slice() != row.root_hash.as_slice() {
        return Err(fail("its row differs from its signed note".into()));
    }
    Ok(())
}

/// Names the first entry in `[from, to)` whose hash differs from the leaf stored when it was
/// appended; the checkpoint at `to` did not match.
async fn locate(db: &Db, from: u64, to: u64, checkpoint: &CheckpointRow) -> VerifyError {
    match first_changed(db, from, to).await {
        Ok(Some(index)) => VerifyError::Entry {
            index,
            reason: "its hash differs from the leaf hash recorded when it was appended".into(),
        },
        Ok(None) => VerifyError::Tree(format!(
            "entries {from} to {} do not lead to the root of tree size {}, and their stored leaf \
             hashes were rewritten to match them",
            to.saturating_sub(1),
            checkpoint.tree_size
        )),
        Err(err) => VerifyError::Db(err),
    }
}

async fn first_changed(db: &Db, from: u64, to: u64) -> Result<Option<u64>, DbError> {
    const CHUNK: u64 = 50_000;
    let mut conn = db.connection().await?;
    let mut buffer = Vec::new();
    let mut start = from;
    while start < to {
        let end = (start + CHUNK).min(to);
        let stored = nodes::leaves(&mut conn, start, end).await?;
        let mut rows = entries::stream_from(&mut conn, start);
        for (index, leaf) in stored {
            let Some(row) = rows.try_next().await? else {
                return Ok(Some(index));
            };
            let Ok(entry) = entry_of(row) else {
                return Ok(Some(index));
            };
            entry.encode_into(&mut buffer);
            if entry.index != index || leaf_hash(&buffer).as_slice() != leaf.as_slice() {
                return Ok(Some(index));
            }
        }
        drop(rows);
        start = end;
    }
    Ok(None)
}
