//! The tree's complete subtrees, as proofs need them. Each is stored in the `tree_hashes` of
//! the entry whose leaf completed it: the subtree of `2^level` leaves starting at leaf
//! `i · 2^level` is hash number `level` (from 0, the leaf itself) of entry
//! `(i + 1) · 2^level − 1`.

use std::collections::HashMap;

use platform::db::DbError;
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row as _};

use super::entries::{self, COLUMNS, Row, entry_of};
use super::{Conn, placeholders, to_i64, to_u64};
use crate::model::entry::Entry;
use crate::model::merkle::{Hash, NodeId};

/// The entry whose leaf completes `id`.
pub(super) fn completing_entry(id: NodeId) -> u64 {
    ((id.index + 1) << id.level) - 1
}

/// Entry `index` (if it exists) and the hashes of `ids`, in one round trip: what an
/// inclusion proof needs. A missing node is an error, since every node a proof asks for is
/// complete and was stored when it completed.
pub async fn entry_with_nodes(
    conn: &mut Conn,
    index: u64,
    ids: &[NodeId],
) -> Result<(Option<Entry>, HashMap<NodeId, Hash>), DbError> {
    let mut rows: Vec<u64> = ids.iter().map(|&id| completing_entry(id)).collect();
    rows.push(index);
    let mut entry = None;
    let mut found = HashMap::with_capacity(rows.len());
    for row in fetch(conn, &format!("{COLUMNS}, tree_hashes"), rows).await? {
        let fields = Row::from_row(&row)?;
        // `tree_hashes` follows the entry's columns.
        let hashes: Vec<u8> = row.try_get(entries::COLUMN_COUNT - 1)?;
        let idx = to_u64(fields.0);
        if idx == index {
            entry = Some(
                entry_of(fields)
                    .map_err(|err| DbError::Other(sqlx::Error::Decode(Box::new(err))))?,
            );
        }
        found.insert(idx, hashes);
    }
    let nodes = hashes_of(ids, &found)?;
    Ok((entry, nodes))
}

/// The hashes of `ids`, in one round trip; a missing node is an error, since every node a
/// proof asks for is complete and was stored when it completed.
pub async fn get_many(conn: &mut Conn, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, DbError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = ids.iter().map(|&id| completing_entry(id)).collect();
    let found = fetch(conn, "idx, tree_hashes", rows)
        .await?
        .into_iter()
        .map(|row| Ok((to_u64(row.try_get(0)?), row.try_get(1)?)))
        .collect::<Result<HashMap<u64, Vec<u8>>, sqlx::Error>>()?;
    hashes_of(ids, &found)
}

/// The rows of entries `indexes` (those that exist), with `columns`, in one query. On SQLite
/// proofs read their rows through [`super::sqlite_nodes`] instead; this serves PostgreSQL
/// and in-memory SQLite.
async fn fetch(
    conn: &mut Conn,
    columns: &str,
    mut indexes: Vec<u64>,
) -> Result<Vec<AnyRow>, DbError> {
    indexes.sort_unstable();
    indexes.dedup();
    let sql = format!(
        "SELECT {columns} FROM audit_entries WHERE idx IN {}",
        placeholders(1, indexes.len())
    );
    let mut query = sqlx::query(&sql);
    for index in indexes {
        query = query.bind(to_i64(index));
    }
    Ok(query.fetch_all(&mut *conn).await?)
}

/// Each node of `ids` from the tree hashes of the rows that completed them.
pub(super) fn hashes_of(
    ids: &[NodeId],
    found: &HashMap<u64, Vec<u8>>,
) -> Result<HashMap<NodeId, Hash>, DbError> {
    ids.iter()
        .map(|&id| {
            let at = 32 * usize::from(id.level);
            let hash = found
                .get(&completing_entry(id))
                .and_then(|hashes| hashes.get(at..at + 32))
                .and_then(|bytes| Hash::try_from(bytes).ok())
                .ok_or_else(|| corrupt(id))?;
            Ok((id, hash))
        })
        .collect()
}

fn corrupt(id: NodeId) -> DbError {
    DbError::Other(sqlx::Error::Protocol(format!(
        "the audit tree node at level {} index {} is missing or damaged; run `rampart audit verify`",
        id.level, id.index
    )))
}
