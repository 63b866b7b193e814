//! Appending entries: the head moves, the entries and the nodes they complete are inserted.

use platform::db::DbError;

use super::{Conn, entries, nodes, to_i64, to_u64};
use crate::model::entry::Draft;
use crate::model::merkle::{Frontier, leaf_hash};

/// Rows per INSERT statement, well under both engines' limits on bound values.
const ROWS_PER_STATEMENT: usize = 200;

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
    let frontier = Frontier::from_bytes(first, frontier.as_deref().unwrap_or_default())
        .ok_or_else(|| {
            DbError::Other(sqlx::Error::Protocol(
                "the audit head's right edge does not match its size".into(),
            ))
        })?;
    Ok((first, frontier))
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
    let mut appended = Vec::with_capacity(count);
    let mut completed = Vec::with_capacity(count * 2);
    let mut buffer = Vec::with_capacity(256);
    for (index, draft) in (first..).zip(drafts) {
        let entry = draft.at(index);
        entry.encode_into(&mut buffer);
        completed.extend(frontier.push(leaf_hash(&buffer)));
        appended.push(entry);
    }
    for chunk in appended.chunks(ROWS_PER_STATEMENT) {
        entries::insert(conn, chunk).await?;
    }
    for chunk in completed.chunks(ROWS_PER_STATEMENT) {
        nodes::insert(conn, chunk).await?;
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
    Frontier::from_bytes(to_u64(size), frontier.as_deref().unwrap_or_default()).ok_or_else(|| {
        DbError::Other(sqlx::Error::Protocol(
            "the audit head's right edge does not match its size".into(),
        ))
    })
}
