//! `rampart audit verify`: the whole log recomputed from its entries.
//!
//! The log is read a stretch at a time up to the head as it stands when verification starts
//! (entries appended meanwhile are left for the next run). Each entry is re-encoded from its
//! row and hashed, and the tree is rebuilt leaf by leaf. Every node that rebuilding completes
//! must equal the node stored when the entry was appended (so a changed entry is named at
//! once, and a damaged node that proofs would serve is found too), the root at every
//! checkpointed size must equal the checkpoint's, whose signature must verify, and the root
//! at the end must equal the stored head.

use platform::db::{Db, DbError};

use crate::model::merkle::{Frontier, Hash};
use crate::model::note::VerifierKey;
use crate::store::append;
use crate::store::checkpoints::{self, CheckpointRow};
use crate::store::scan::{LeafRow, ScanError, Scanner};

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
    #[error(
        "the stored tree node at level {level}, index {index} {reason}; proofs that use it fail"
    )]
    Node {
        level: u8,
        index: u64,
        reason: &'static str,
    },
    #[error("checkpoint of tree size {tree_size}: {reason}")]
    Checkpoint { tree_size: u64, reason: String },
    #[error("{0}")]
    Tree(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Scan(String),
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

impl From<ScanError> for VerifyError {
    fn from(err: ScanError) -> Self {
        match err {
            ScanError::Unreadable(unreadable) => Self::Entry {
                index: unreadable.index,
                reason: unreadable.to_string(),
            },
            ScanError::Db(err) => Self::Db(err),
            ScanError::Sqlite(err) => Self::Scan(format!("cannot read the SQLite file: {err}")),
        }
    }
}

/// Reports how many entries have been checked so far.
pub trait Progress {
    fn start(&mut self, total: u64);
    fn advance(&mut self, done: u64);
}

/// Entries read at a time.
const STRETCH: u64 = 1 << 16;

pub async fn verify(
    db: &Db,
    key: &VerifierKey,
    progress: &mut dyn Progress,
) -> Result<VerifyReport, VerifyError> {
    let mut conn = db.connection().await?;
    let head = append::head(&mut conn).await?;
    let stored = checkpoints::all(&mut conn).await?;
    drop(conn);
    for checkpoint in &stored {
        check_signature(key, checkpoint)?;
        if checkpoint.tree_size > head.size() {
            return Err(VerifyError::Checkpoint {
                tree_size: checkpoint.tree_size,
                reason: format!("it is beyond the log's head of {} entries", head.size()),
            });
        }
    }
    progress.start(head.size());
    let mut rebuild = Rebuild {
        frontier: Frontier::default(),
        checkpoints: &stored,
        next_checkpoint: 0,
    };
    // On SQLite the scanner reads the file synchronously on this thread: verification is a
    // command of its own, with nothing else to run meanwhile.
    let mut scanner = Scanner::open(db)?;
    let mut from = 0;
    while from < head.size() {
        let to = (from + STRETCH).min(head.size());
        let mut expected = from;
        scanner
            .read(from, to, &mut |row: LeafRow<'_>| {
                if row.index != expected {
                    return Err(VerifyError::Missing { index: expected });
                }
                expected += 1;
                rebuild.leaf(&row)
            })
            .await?;
        if expected < to {
            return Err(VerifyError::Missing { index: expected });
        }
        progress.advance(to);
        from = to;
    }
    if rebuild.frontier.root() != head.root() {
        return Err(VerifyError::Tree(format!(
            "every entry matches its stored leaf, but the log's stored head (its right edge at {} \
             entries) does not match them",
            head.size()
        )));
    }
    Ok(VerifyReport {
        entries: head.size(),
        checkpoints: stored.len() as u64,
        root: rebuild.frontier.root(),
    })
}

/// The tree being rebuilt, and the checkpoints it has yet to reach.
struct Rebuild<'a> {
    frontier: Frontier,
    checkpoints: &'a [CheckpointRow],
    next_checkpoint: usize,
}

impl Rebuild<'_> {
    /// Adds a leaf, which must be the one stored with its entry, as must every subtree it
    /// completes.
    fn leaf(&mut self, row: &LeafRow<'_>) -> Result<(), VerifyError> {
        let index = row.index;
        let mut stored = row.tree_hashes.chunks(32);
        if stored.next() != Some(row.recomputed.as_slice()) {
            return Err(VerifyError::Entry {
                index,
                reason: "its hash differs from the leaf hash recorded when it was appended".into(),
            });
        }
        let mut mismatch = None;
        self.frontier.push_each(row.recomputed, |id, hash| {
            if mismatch.is_none() && id.level > 0 && stored.next() != Some(hash.as_slice()) {
                mismatch = Some(id);
            }
        });
        if let Some(id) = mismatch.or_else(|| {
            // More hashes stored than the leaf completes: the row was altered.
            stored
                .next()
                .map(|_| crate::model::merkle::NodeId::leaf(index))
        }) {
            return Err(VerifyError::Node {
                level: id.level,
                index: id.index,
                reason: "stored with the entry that completed it differs from the one the \
                         entries give",
            });
        }
        let size = self.frontier.size();
        if let Some(checkpoint) = self.checkpoints.get(self.next_checkpoint)
            && checkpoint.tree_size == size
        {
            self.next_checkpoint += 1;
            if checkpoint.root_hash.as_slice() != self.frontier.root().as_slice() {
                return Err(VerifyError::Tree(format!(
                    "the entries before {size} and their stored tree agree, but not with the \
                     signed checkpoint of {size} entries: they were rewritten together"
                )));
            }
        }
        Ok(())
    }
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
