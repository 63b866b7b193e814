//! Appending entries: the head moves, and each entry is inserted with its leaf hash and the
//! hashes of the subtrees its leaf completes.

use platform::db::DbError;

use super::entries::Appended;
use super::{Conn, entries, to_i64, to_u64};
use crate::model::entry::Draft;
use crate::model::merkle::{Frontier, leaf_hash};

/// Values bound per INSERT statement. More rows per statement save round trips, but SQLite
/// looks each bound parameter's name up in a list (`sqlite3_bind_parameter_name`), so the
/// cost of binding grows with the square of the values in one statement.
const VALUES_PER_STATEMENT: usize = 130;

/// Reserves `count` indexes and returns the first with the tree's right edge before them.
///
/// The UPDATE takes the head row's lock until the transaction ends, so concurrent appenders
/// (of this node or another) queue here and indexes come out gapless and in commit order.
async fn reserve(conn: &mut Conn, count: u64) -> Result<(u64, Frontier), DbError> {
    let (size, frontier): (i64, Option<Vec<u8>>) = sqlx::query_as(
        "UPDATE audit_head SET tree_size = tree_size + $1 WHERE id = 1 \
         RETURNING tree_size, frontier",
    )
    .bind(to_i64(count))
    .fetch_one(&mut *conn)
    .await?;
    let first = to_u64(size) - count;
    Ok((first, right_edge(first, frontier.as_deref())?))
}

/// The tree's right edge as the head row stores it, checked against the tree's size.
pub(super) fn right_edge(size: u64, stored: Option<&[u8]>) -> Result<Frontier, DbError> {
    Frontier::from_bytes(size, stored.unwrap_or_default()).ok_or_else(|| {
        DbError::Other(sqlx::Error::Protocol(
            "the audit head's right edge does not match its size".into(),
        ))
    })
}

/// The rows of `drafts` as entries `first`, `first + 1`, …: each with its leaf hash and the
/// subtrees it completes, moving `frontier` past them.
pub(super) fn leaves(first: u64, frontier: &mut Frontier, drafts: Vec<Draft>) -> Vec<Appended> {
    let mut appended = Vec::with_capacity(drafts.len());
    let mut buffer = Vec::with_capacity(256);
    for (index, draft) in (first..).zip(drafts) {
        let entry = draft.at(index);
        entry.encode_into(&mut buffer);
        let mut tree_hashes = Vec::with_capacity(64);
        frontier.push_each(leaf_hash(&buffer), |_, hash| {
            tree_hashes.extend_from_slice(hash)
        });
        appended.push(Appended { entry, tree_hashes });
    }
    appended
}

/// Appends `drafts` as consecutive entries and returns the index of the first. Runs inside
/// the caller's transaction: the entries exist exactly when it commits.
pub async fn append(conn: &mut Conn, drafts: Vec<Draft>) -> Result<u64, DbError> {
    let count = drafts.len();
    if count == 0 {
        return Err(DbError::Other(sqlx::Error::Protocol(
            "nothing to append to the audit log".into(),
        )));
    }
    let (first, mut frontier) = reserve(conn, count as u64).await?;
    let appended = leaves(first, &mut frontier, drafts);
    for chunk in appended.chunks(VALUES_PER_STATEMENT / entries::COLUMN_COUNT) {
        entries::insert(conn, chunk).await?;
    }
    sqlx::query("UPDATE audit_head SET frontier = $1 WHERE id = 1")
        .bind(frontier.to_bytes())
        .execute(&mut *conn)
        .await?;
    Ok(first)
}

/// The head: the tree's size and right edge, as of the last commit.
pub async fn head(conn: &mut Conn) -> Result<Frontier, DbError> {
    let (size, frontier): (i64, Option<Vec<u8>>) =
        sqlx::query_as("SELECT tree_size, frontier FROM audit_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
    right_edge(to_u64(size), frontier.as_deref())
}
