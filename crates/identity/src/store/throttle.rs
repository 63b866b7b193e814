//! Failed log-ins per identifier, shared by every node.

use platform::db::DbError;

use super::Conn;

#[derive(Debug, Clone, Copy)]
pub struct FailureRow {
    pub failures: i64,
    pub last_failure_at: i64,
    pub alerted_at: Option<i64>,
}

pub async fn get(conn: &mut Conn, identifier_hash: &str) -> Result<Option<FailureRow>, DbError> {
    let row: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT failures, last_failure_at, alerted_at FROM login_failures \
         WHERE identifier_hash = $1",
    )
    .bind(identifier_hash)
    .fetch_optional(conn)
    .await?;
    Ok(
        row.map(|(failures, last_failure_at, alerted_at)| FailureRow {
            failures,
            last_failure_at,
            alerted_at,
        }),
    )
}

pub async fn put(conn: &mut Conn, identifier_hash: &str, row: FailureRow) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO login_failures (identifier_hash, failures, last_failure_at, alerted_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (identifier_hash) DO UPDATE SET \
         failures = excluded.failures, last_failure_at = excluded.last_failure_at, \
         alerted_at = excluded.alerted_at",
    )
    .bind(identifier_hash)
    .bind(row.failures)
    .bind(row.last_failure_at)
    .bind(row.alerted_at)
    .execute(conn)
    .await?;
    Ok(())
}

const CLEAR: &str = "DELETE FROM login_failures WHERE identifier_hash = $1";

pub async fn clear(conn: &mut Conn, identifier_hash: &str) -> Result<(), DbError> {
    sqlx::query(CLEAR)
        .bind(identifier_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// [`clear`] on a plain SQLite connection (the database's SQLite thread).
pub fn clear_sqlite(conn: &rusqlite::Connection, identifier_hash: &str) -> Result<(), DbError> {
    conn.prepare_cached(CLEAR)?.execute([identifier_hash])?;
    Ok(())
}
