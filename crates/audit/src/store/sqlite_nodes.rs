//! A proof's rows on SQLite, read through plain SQLite connections (rusqlite) of their own.
//!
//! Through the pool, each row of a result is a message from the connection's worker thread
//! to the async side, with a thread switch each; a proof reads O(log n) rows, so that cost
//! grew with the log (24 rows at ten million entries, 14 at ten thousand) and made up most
//! of a proof's time. Here the whole look-up runs on one thread, called once per proof.
//!
//! Rows are looked up by rowid: `idx` is not the table's key but has an index of its own,
//! so a look-up by `idx` descends two B-trees and one by rowid one. Entries are only ever
//! appended, in index order, so entry `i` is row `i + 1`; a row whose `idx` says otherwise
//! (a damaged log) is looked up again by `idx`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use platform::db::DbError;
use rusqlite::{Connection, params_from_iter};

use super::entries::{COLUMNS, Row, entry_of};
use super::nodes::{completing_entry, hashes_of};
use super::{to_i64, to_u64};
use crate::model::entry::Entry;
use crate::model::merkle::{Hash, NodeId};

/// Read-only connections to one SQLite file, opened as needed and kept for reuse.
pub struct SqliteNodes {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

/// One row as a proof needs it: its index, its fields, and its tree hashes.
type Fetched = (u64, Row, Vec<u8>);

impl SqliteNodes {
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Entry `index` (if it exists) and the hashes of `ids`: what an inclusion proof needs.
    pub fn entry_with_nodes(
        &self,
        index: u64,
        ids: &[NodeId],
    ) -> Result<(Option<Entry>, HashMap<NodeId, Hash>), DbError> {
        let mut indexes: Vec<u64> = ids.iter().map(|&id| completing_entry(id)).collect();
        indexes.push(index);
        let mut entry = None;
        let mut found = HashMap::with_capacity(indexes.len());
        for (idx, fields, hashes) in self.fetch(indexes)? {
            if idx == index {
                entry = Some(
                    entry_of(fields)
                        .map_err(|err| DbError::Other(sqlx::Error::Decode(Box::new(err))))?,
                );
            }
            found.insert(idx, hashes);
        }
        Ok((entry, hashes_of(ids, &found)?))
    }

    /// The hashes of `ids`: what a consistency proof needs.
    pub fn get_many(&self, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, DbError> {
        let indexes = ids.iter().map(|&id| completing_entry(id)).collect();
        let found = self
            .fetch(indexes)?
            .into_iter()
            .map(|(idx, _, hashes)| (idx, hashes))
            .collect();
        hashes_of(ids, &found)
    }

    fn fetch(&self, mut indexes: Vec<u64>) -> Result<Vec<Fetched>, DbError> {
        indexes.sort_unstable();
        indexes.dedup();
        let conn = match self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            Some(conn) => conn,
            None => super::open_read_only(&self.path).map_err(sqlite_error)?,
        };
        let rows = fetch_rows(&conn, &indexes).map_err(sqlite_error);
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
        rows
    }
}

fn fetch_rows(conn: &Connection, indexes: &[u64]) -> Result<Vec<Fetched>, rusqlite::Error> {
    let rowids = indexes.iter().map(|&i| to_i64(i).saturating_add(1));
    let mut rows = select(conn, "rowid", rowids)?;
    rows.retain(|(idx, _, _)| indexes.binary_search(idx).is_ok());
    if rows.len() < indexes.len() {
        let missing: Vec<i64> = indexes
            .iter()
            .filter(|&&i| !rows.iter().any(|(idx, _, _)| *idx == i))
            .map(|&i| to_i64(i))
            .collect();
        rows.extend(select(conn, "idx", missing.into_iter())?);
    }
    Ok(rows)
}

/// The rows whose `key` (rowid or idx) is one of `keys`.
fn select(
    conn: &Connection,
    key: &str,
    keys: impl ExactSizeIterator<Item = i64>,
) -> Result<Vec<Fetched>, rusqlite::Error> {
    if keys.len() == 0 {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; keys.len()].join(", ");
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, tree_hashes FROM audit_entries WHERE {key} IN ({marks})"
    ))?;
    let rows = statement.query_map(params_from_iter(keys), |row| {
        let fields: Row = (
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
            row.get(6)?,
            row.get(7)?,
            row.get(8)?,
            row.get(9)?,
            row.get(10)?,
            row.get(11)?,
            row.get(12)?,
            row.get(13)?,
        );
        Ok((to_u64(fields.0), fields, row.get(14)?))
    })?;
    rows.collect()
}

fn sqlite_error(err: rusqlite::Error) -> DbError {
    DbError::Other(sqlx::Error::Protocol(format!(
        "cannot read the audit log's SQLite file: {err}"
    )))
}
