//! Reading the whole log for verification, a stretch at a time: each entry's leaf hash,
//! recomputed from its row, with the hashes stored when it was appended.
//!
//! On SQLite the rows are read through plain SQLite (rusqlite), in rowid order (the order
//! they were appended), encoding each straight from the borrowed column bytes: a
//! general-purpose async driver spends several times longer per row than hashing it does,
//! and verification reads every row of a log of millions. On PostgreSQL they come through
//! the usual pool.

use std::path::Path;

use futures_util::TryStreamExt;
use platform::db::{Db, DbError};
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use sqlx::{FromRow, Row as _};

use super::entries::{Unreadable, entry_of};
use super::{to_i64, to_u64};
use crate::model::entry::Fields;
use crate::model::merkle::{Hash, leaf_hash};

/// One entry as verification sees it.
#[derive(Debug, Clone, Copy)]
pub struct LeafRow<'a> {
    pub index: u64,
    /// The leaf hash of its fields, encoded now.
    pub recomputed: Hash,
    /// Its leaf hash and those of the subtrees it completed, stored when it was appended.
    pub tree_hashes: &'a [u8],
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Unreadable(#[from] Unreadable),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot read the SQLite file: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Reads consecutive stretches of one log, from its first entry.
pub struct Scanner<'a> {
    db: &'a Db,
    sqlite: Option<SqliteCursor>,
}

/// Where the last stretch ended. Entries are only ever appended, in index order, so reading
/// by rowid reads them in index order as a plain table scan.
struct SqliteCursor {
    conn: Connection,
    rowid: i64,
}

/// The entry's columns in the order of [`super::entries::COLUMNS`], then its tree hashes
/// (at [`TREE_HASHES`]).
const COLUMNS: &str = "idx, recorded_at, actor_kind, actor_id, tenant_id, action, \
    resource_kind, resource_ids, ticket_id, grant_id, outcome, request_id, client_ip, \
    details, tree_hashes";
/// The position of `tree_hashes` in [`COLUMNS`].
const TREE_HASHES: usize = super::entries::COLUMN_COUNT - 1;

impl<'a> Scanner<'a> {
    pub fn open(db: &'a Db) -> Result<Self, ScanError> {
        let sqlite = match db.sqlite_path() {
            Some(path) => Some(SqliteCursor {
                conn: open_read_only(path)?,
                rowid: 0,
            }),
            None => None,
        };
        Ok(Self { db, sqlite })
    }

    /// Shows `visit` the entries `[from, to)` in the order they are stored: by index unless
    /// rows were deleted or moved, which `visit` finds from the indexes.
    pub async fn read<E: From<ScanError>>(
        &mut self,
        from: u64,
        to: u64,
        visit: &mut impl FnMut(LeafRow<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        match &mut self.sqlite {
            Some(cursor) => read_sqlite(cursor, from, to, visit),
            None => read_pooled(self.db, from, to, visit).await,
        }
    }
}

fn open_read_only(path: &Path) -> Result<Connection, ScanError> {
    let conn = super::open_read_only(path)?;
    // Reading through a memory map spares a copy and a system call per page; SQLite caps
    // the map at its compile-time limit (2 GB by default), and reads beyond it as usual.
    conn.pragma_update(None, "mmap_size", i64::MAX)?;
    Ok(conn)
}

fn read_sqlite<E: From<ScanError>>(
    cursor: &mut SqliteCursor,
    from: u64,
    to: u64,
    visit: &mut impl FnMut(LeafRow<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let mut statement = cursor
        .conn
        .prepare_cached(&format!(
            "SELECT rowid, {COLUMNS} FROM audit_entries WHERE rowid > $1 ORDER BY rowid LIMIT $2"
        ))
        .map_err(ScanError::from)?;
    let mut rows = statement
        .query([cursor.rowid, to_i64(to - from)])
        .map_err(ScanError::from)?;
    let mut buffer = Vec::with_capacity(256);
    while let Some(row) = rows.next().map_err(ScanError::from)? {
        cursor.rowid = row.get(0).map_err(ScanError::from)?;
        let index = to_u64(row.get(1).map_err(ScanError::from)?);
        let recomputed = leaf_hash_of_row(row, index, &mut buffer)?;
        // The rowid comes first.
        let tree_hashes = match row.get_ref(TREE_HASHES + 1) {
            Ok(ValueRef::Blob(bytes)) => bytes,
            _ => &[],
        };
        visit(LeafRow {
            index,
            recomputed,
            tree_hashes,
        })?;
    }
    Ok(())
}

/// The leaf hash of an entry row (whose columns follow the rowid), encoded straight from its
/// borrowed text into `buffer`.
fn leaf_hash_of_row(
    row: &rusqlite::Row<'_>,
    index: u64,
    buffer: &mut Vec<u8>,
) -> Result<Hash, ScanError> {
    let unreadable = |field| Unreadable { index, field };
    // The text is encoded as the bytes it is; a row that is not valid UTF-8 hashes to
    // something no appended entry had, and is named by the comparison with its leaf.
    let text = |i: usize, field| -> Result<&[u8], ScanError> {
        match row.get_ref(i + 1)? {
            ValueRef::Text(bytes) => Ok(bytes),
            _ => Err(unreadable(field).into()),
        }
    };
    let optional = |i: usize, field| -> Result<Option<&[u8]>, ScanError> {
        match row.get_ref(i + 1)? {
            ValueRef::Null => Ok(None),
            _ => text(i, field).map(Some),
        }
    };
    let ids_json = text(7, "resource ids")?;
    let mut inline: [&[u8]; INLINE_IDS] = [&[]; INLINE_IDS];
    let owned: Vec<String>;
    let listed: Vec<&[u8]>;
    let resource_ids: &[&[u8]] = match plain_json_strings(ids_json, &mut inline) {
        Some(count) => &inline[..count],
        None => {
            owned = serde_json::from_slice(ids_json).map_err(|_| unreadable("resource ids"))?;
            listed = owned.iter().map(String::as_bytes).collect();
            &listed
        }
    };
    Ok(Fields {
        index,
        time_ms: row.get(2)?,
        actor_kind: text(2, "actor kind")?,
        actor_id: text(3, "actor id")?,
        tenant_id: optional(4, "tenant")?,
        action: text(5, "action")?,
        resource_kind: text(6, "resource kind")?,
        resource_ids,
        ticket_id: optional(8, "ticket")?,
        grant_id: optional(9, "grant")?,
        outcome: text(10, "outcome")?,
        request_id: optional(11, "request id")?,
        client_ip: optional(12, "client address")?,
        details: optional(13, "details")?,
    }
    .leaf_hash(buffer))
}

async fn read_pooled<E: From<ScanError>>(
    db: &Db,
    from: u64,
    to: u64,
    visit: &mut impl FnMut(LeafRow<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let mut conn = db.connection().await.map_err(ScanError::from)?;
    let mut buffer = Vec::with_capacity(256);
    let select =
        format!("SELECT {COLUMNS} FROM audit_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx");
    let mut rows = sqlx::query(&select)
        .bind(to_i64(from))
        .bind(to_i64(to))
        .fetch(&mut *conn);
    let db_error = |err: sqlx::Error| ScanError::Db(DbError::from(err));
    while let Some(row) = rows.try_next().await.map_err(db_error)? {
        let tree_hashes: Vec<u8> = row.try_get(TREE_HASHES).map_err(db_error)?;
        let fields = super::entries::Row::from_row(&row).map_err(db_error)?;
        let entry = entry_of(fields).map_err(ScanError::from)?;
        entry.encode_into(&mut buffer);
        visit(LeafRow {
            index: entry.index,
            recomputed: leaf_hash(&buffer),
            tree_hashes: &tree_hashes,
        })?;
    }
    Ok(())
}

/// Ids an entry names, most of the time, read without allocating.
const INLINE_IDS: usize = 8;

/// Reads a JSON array of at most [`INLINE_IDS`] strings without escapes, such as
/// `["a","b"]` as [`super::entries::insert`] writes it, into `ids`; returns how many. Ids need
/// no escaping, and this is several times faster than a JSON parser. `None` for anything
/// else, which a JSON parser then reads.
fn plain_json_strings<'a>(json: &'a [u8], ids: &mut [&'a [u8]; INLINE_IDS]) -> Option<usize> {
    let inner = json.strip_prefix(b"[")?.strip_suffix(b"]")?;
    if inner.is_empty() {
        return Some(0);
    }
    if inner.contains(&b'\\') {
        return None;
    }
    let mut count = 0;
    for item in inner.split(|&b| b == b',') {
        let text = item.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
        if text.contains(&b'"') {
            return None;
        }
        *ids.get_mut(count)? = text;
        count += 1;
    }
    Some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_id_lists_are_read_without_a_json_parser_and_others_are_left_to_one() {
        fn ids(json: &str) -> Option<Vec<&[u8]>> {
            let mut found = [&[][..]; INLINE_IDS];
            let count = plain_json_strings(json.as_bytes(), &mut found)?;
            Some(found[..count].to_vec())
        }
        assert_eq!(ids("[]"), Some(vec![]));
        assert_eq!(
            ids(r#"["ctc_1","ctc_2"]"#),
            Some(vec![&b"ctc_1"[..], b"ctc_2"])
        );
        assert_eq!(ids(r#"["a\"b"]"#), None);
        assert_eq!(ids(r#"["a","b"c"]"#), None);
        assert_eq!(ids(r#"["a", "b"]"#), None);
        assert_eq!(ids("{}"), None);
        assert_eq!(ids(r#"["1","2","3","4","5","6","7","8","9"]"#), None);
    }
}
