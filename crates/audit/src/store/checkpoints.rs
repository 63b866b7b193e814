//! Signed checkpoints, one per tree size that was signed.

use platform::db::DbError;

use super::{Conn, to_i64, to_u64};

#[derive(Debug, Clone)]
pub struct CheckpointRow {
    pub tree_size: u64,
    pub root_hash: Vec<u8>,
    pub signed_at: i64,
    pub note: String,
}

type Row = (i64, Vec<u8>, i64, String);

fn row(r: Row) -> CheckpointRow {
    CheckpointRow {
        tree_size: to_u64(r.0),
        root_hash: r.1,
        signed_at: r.2,
        note: r.3,
    }
}

/// Inserts a checkpoint; one that exists already for this size is left as it is.
pub async fn insert(conn: &mut Conn, checkpoint: &CheckpointRow) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO audit_checkpoints (tree_size, root_hash, signed_at, note) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (tree_size) DO NOTHING",
    )
    .bind(to_i64(checkpoint.tree_size))
    .bind(checkpoint.root_hash.clone())
    .bind(checkpoint.signed_at)
    .bind(checkpoint.note.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn latest(conn: &mut Conn) -> Result<Option<CheckpointRow>, DbError> {
    let found: Option<Row> = sqlx::query_as(
        "SELECT tree_size, root_hash, signed_at, note FROM audit_checkpoints \
         ORDER BY tree_size DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.map(row))
}

pub async fn of_size(conn: &mut Conn, tree_size: u64) -> Result<Option<CheckpointRow>, DbError> {
    let found: Option<Row> = sqlx::query_as(
        "SELECT tree_size, root_hash, signed_at, note FROM audit_checkpoints WHERE tree_size = $1",
    )
    .bind(to_i64(tree_size))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.map(row))
}

/// The first checkpoint covering `index`, so a fresh entry's proof uses the smallest tree.
pub async fn first_covering(conn: &mut Conn, index: u64) -> Result<Option<CheckpointRow>, DbError> {
    let found: Option<Row> = sqlx::query_as(
        "SELECT tree_size, root_hash, signed_at, note FROM audit_checkpoints \
         WHERE tree_size > $1 ORDER BY tree_size LIMIT 1",
    )
    .bind(to_i64(index))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.map(row))
}

/// Every checkpoint in size order, for verification.
pub async fn all(conn: &mut Conn) -> Result<Vec<CheckpointRow>, DbError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT tree_size, root_hash, signed_at, note FROM audit_checkpoints ORDER BY tree_size",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(row).collect())
}
