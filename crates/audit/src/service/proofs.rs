//! Proofs and the customer's view of the log. Every tenant-facing read here is scoped by the
//! tenant the caller authenticated as: another tenant's entry is "not found", never a hint.

use std::collections::HashMap;

use crate::model::bundle::ProofBundle;
use crate::model::entry::{Actor, Entry, Event, Outcome};
use crate::model::merkle::{
    Hash, NodeId, Range, consistency_ranges, fold_range, inclusion_ranges, range_blocks,
};
use crate::store::checkpoints;
use crate::store::entries::{self, Filter};
use crate::store::{Conn, nodes};

use super::{AuditError, AuditLog, AuditUnavailable};

/// An entry with the path that proves it is in a tree of `tree_size` entries.
#[derive(Debug, Clone)]
pub struct InclusionProof {
    pub entry: Entry,
    pub tree_size: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint of that size.
    pub checkpoint: String,
}

#[derive(Debug, Clone)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    pub proof: Vec<Hash>,
}

/// A page of a tenant's entries, newest first.
#[derive(Debug, Clone)]
pub struct AccessLogPage {
    pub entries: Vec<Entry>,
    /// Pass as `before` for the next page; none on the last.
    pub next_before: Option<u64>,
}

impl AuditLog {
    /// The inclusion proof of one of `tenant_id`'s entries in the checkpointed tree of
    /// `tree_size` entries, or in the first checkpoint that covers it. `actor` is who asks:
    /// asking for another tenant's entry is recorded as a denial.
    pub async fn inclusion_proof(
        &self,
        actor: &Actor,
        tenant_id: &str,
        index: u64,
        tree_size: Option<u64>,
    ) -> Result<InclusionProof, AuditError> {
        if tree_size.is_some_and(|size| size <= index) {
            return Err(AuditError::BadRequest(format!(
                "tree_size must be larger than the entry's index {index}"
            )));
        }
        let mut conn = self.db().connection().await?;
        let checkpoint = match tree_size {
            Some(size) => checkpoints::of_size(&mut conn, size).await?,
            None => checkpoints::first_covering(&mut conn, index).await?,
        };
        let ranges = checkpoint
            .as_ref()
            .map(|c| inclusion_ranges(index, c.tree_size))
            .unwrap_or_default();
        let blocks: Vec<Vec<NodeId>> = ranges.iter().map(|&(a, b)| range_blocks(a, b)).collect();
        let wanted: Vec<NodeId> = blocks.iter().flatten().copied().collect();
        let (entry, found) = self.entry_with_nodes(&mut conn, index, wanted).await?;
        drop(conn);
        // Whose entry it is decides first: another tenant's must look exactly like none.
        let entry = match entry {
            Some(entry) if entry.event.tenant_id.as_deref() == Some(tenant_id) => entry,
            _ => {
                self.deny(actor, tenant_id, "audit.proof.read", index)
                    .await?;
                return Err(AuditError::NotFound);
            }
        };
        let checkpoint = match (checkpoint, tree_size) {
            (Some(checkpoint), _) => checkpoint,
            (None, Some(size)) => {
                return Err(AuditError::BadRequest(format!(
                    "no checkpoint has tree_size {size}; take one from /api/v1/audit/checkpoint"
                )));
            }
            (None, None) => return Err(AuditError::NotYetCheckpointed),
        };
        let proof = fold_blocks(&blocks, &found)?;
        Ok(InclusionProof {
            entry,
            tree_size: checkpoint.tree_size,
            proof,
            checkpoint: checkpoint.note,
        })
    }

    /// The proof bundle of an entry, to check offline with `rampart audit check-proof`.
    pub async fn proof_bundle(
        &self,
        actor: &Actor,
        tenant_id: &str,
        index: u64,
    ) -> Result<ProofBundle, AuditError> {
        let proof = self.inclusion_proof(actor, tenant_id, index, None).await?;
        Ok(ProofBundle::new(
            &proof.entry,
            proof.tree_size,
            &proof.proof,
            proof.checkpoint,
        ))
    }

    /// The consistency proof between two checkpointed tree sizes.
    pub async fn consistency_proof(
        &self,
        from: u64,
        to: u64,
    ) -> Result<ConsistencyProof, AuditError> {
        if from == 0 || from > to {
            return Err(AuditError::BadRequest(
                "`from` must be at least 1 and at most `to`".into(),
            ));
        }
        let mut conn = self.db().connection().await?;
        for size in [from, to] {
            if checkpoints::of_size(&mut conn, size).await?.is_none() {
                return Err(AuditError::BadRequest(format!(
                    "no checkpoint has tree_size {size}; both sizes must be checkpointed"
                )));
            }
        }
        let proof = self
            .range_hashes(&mut conn, &consistency_ranges(from, to))
            .await?;
        Ok(ConsistencyProof { from, to, proof })
    }

    /// A page of `tenant_id`'s entries, recorded as a read of the log by `actor` before it
    /// is returned.
    pub async fn access_log(
        &self,
        actor: &Actor,
        tenant_id: &str,
        filter: &Filter,
        limit: u32,
    ) -> Result<AccessLogPage, AuditError> {
        let mut conn = self.db().connection().await?;
        let mut entries = entries::list_for_tenant(&mut conn, tenant_id, filter, limit + 1).await?;
        drop(conn);
        let next_before = if entries.len() > limit as usize {
            entries.truncate(limit as usize);
            entries.last().map(|e| e.index)
        } else {
            None
        };
        let read = Event::new(actor.clone(), "audit.access_log.list")
            .tenant(tenant_id)
            .resource("audit_entries", Vec::<String>::new());
        self.record_read(read).await?;
        Ok(AccessLogPage {
            entries,
            next_before,
        })
    }

    /// What the access-log page shows: the tenant's staff accesses (newest first) and a page
    /// of all its entries, recorded as one read.
    pub async fn access_log_with_staff(
        &self,
        actor: &Actor,
        tenant_id: &str,
        filter: &Filter,
        limit: u32,
    ) -> Result<(Vec<Entry>, AccessLogPage), AuditError> {
        let staff_filter = Filter {
            actor_kind: Some(crate::model::entry::ActorKind::Staff),
            ..Filter::default()
        };
        let mut conn = self.db().connection().await?;
        let staff = entries::list_for_tenant(&mut conn, tenant_id, &staff_filter, limit).await?;
        drop(conn);
        let page = self.access_log(actor, tenant_id, filter, limit).await?;
        Ok((staff, page))
    }

    /// Entry `index` (if it exists) and the hashes of `ids`, in one look-up: on SQLite on a
    /// blocking thread through the log's own connections, otherwise through `conn`.
    async fn entry_with_nodes(
        &self,
        conn: &mut Conn,
        index: u64,
        ids: Vec<NodeId>,
    ) -> Result<(Option<Entry>, HashMap<NodeId, Hash>), AuditError> {
        match &self.inner.sqlite_nodes {
            Some(reader) => {
                let reader = reader.clone();
                tokio::task::spawn_blocking(move || reader.entry_with_nodes(index, &ids))
                    .await
                    .map_err(|_| AuditUnavailable)?
                    .map_err(AuditError::from)
            }
            None => Ok(nodes::entry_with_nodes(conn, index, &ids).await?),
        }
    }

    /// The hashes of `ranges`, from their complete blocks fetched in one look-up.
    async fn range_hashes(
        &self,
        conn: &mut Conn,
        ranges: &[Range],
    ) -> Result<Vec<Hash>, AuditError> {
        let blocks: Vec<Vec<NodeId>> = ranges.iter().map(|&(a, b)| range_blocks(a, b)).collect();
        let wanted: Vec<NodeId> = blocks.iter().flatten().copied().collect();
        let found = match &self.inner.sqlite_nodes {
            Some(reader) => {
                let reader = reader.clone();
                tokio::task::spawn_blocking(move || reader.get_many(&wanted))
                    .await
                    .map_err(|_| AuditUnavailable)??
            }
            None => nodes::get_many(conn, &wanted).await?,
        };
        fold_blocks(&blocks, &found)
    }

    async fn deny(
        &self,
        actor: &Actor,
        tenant_id: &str,
        action: &str,
        index: u64,
    ) -> Result<(), AuditError> {
        let event = Event::new(actor.clone(), action)
            .tenant(tenant_id)
            .resource("audit_entry", [index.to_string()])
            .outcome(Outcome::Denied);
        self.record_read(event).await?;
        Ok(())
    }
}

/// Each range's hash from the hashes of its blocks.
fn fold_blocks(
    blocks: &[Vec<NodeId>],
    found: &HashMap<NodeId, Hash>,
) -> Result<Vec<Hash>, AuditError> {
    blocks
        .iter()
        .map(|ids| {
            let hashes: Vec<Hash> = ids.iter().filter_map(|id| found.get(id).copied()).collect();
            fold_range(&hashes).ok_or_else(|| AuditError::Damaged("an empty proof range".into()))
        })
        .collect()
}
