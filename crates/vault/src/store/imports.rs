//! Import jobs: their progress and counts, and the rows they refused.

use platform::db::DbError;

use super::Conn;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub id: String,
    pub state: String,
    pub merge_policy: String,
    pub counts: Counts,
    pub failure: Option<String>,
    pub started_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

/// How far an import has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub rows_read: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
}

type Row = (
    String,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    Option<String>,
    i64,
    i64,
    Option<i64>,
);

const COLUMNS: &str = "id, state, merge_policy, rows_read, created, updated, unchanged, \
    rejected, failure, started_at, updated_at, finished_at";

fn record(row: Row) -> ImportRow {
    let (id, state, merge_policy, rows_read, created, updated) =
        (row.0, row.1, row.2, row.3, row.4, row.5);
    let (unchanged, rejected, failure, started_at, updated_at, finished_at) =
        (row.6, row.7, row.8, row.9, row.10, row.11);
    ImportRow {
        id,
        state,
        merge_policy,
        counts: Counts {
            rows_read,
            created,
            updated,
            unchanged,
            rejected,
        },
        failure,
        started_at,
        updated_at,
        finished_at,
    }
}

pub async fn insert(
    conn: &mut Conn,
    tenant_id: &str,
    id: &str,
    merge_policy: &str,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO vault_imports (id, tenant_id, state, merge_policy, rows_read, created, \
         updated, unchanged, rejected, started_at, updated_at) \
         VALUES ($1, $2, 'running', $3, 0, 0, 0, 0, 0, $4, $4)",
    )
    .bind(id)
    .bind(tenant_id)
    .bind(merge_policy)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records progress, and rows refused since the last call.
pub async fn progress(
    conn: &mut Conn,
    id: &str,
    counts: Counts,
    rejections: &[(u64, String)],
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE vault_imports SET rows_read = $1, created = $2, updated = $3, unchanged = $4, \
         rejected = $5, updated_at = $7 WHERE id = $6",
    )
    .bind(counts.rows_read)
    .bind(counts.created)
    .bind(counts.updated)
    .bind(counts.unchanged)
    .bind(counts.rejected)
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    for (line, reason) in rejections {
        sqlx::query(
            "INSERT INTO vault_import_rejections (import_id, line, reason) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(i64::try_from(*line).unwrap_or(i64::MAX))
        .bind(reason)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn finish(
    conn: &mut Conn,
    id: &str,
    state: &str,
    failure: Option<&str>,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE vault_imports SET state = $1, failure = $2, finished_at = $3, updated_at = $3 \
         WHERE id = $4",
    )
    .bind(state)
    .bind(failure)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, tenant_id: &str, id: &str) -> Result<Option<ImportRow>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM vault_imports WHERE tenant_id = $1 AND id = $2");
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(record))
}

/// The refused rows of an import, by line; at most `limit`.
pub async fn rejections(
    conn: &mut Conn,
    import_id: &str,
    limit: i64,
) -> Result<Vec<(i64, String)>, DbError> {
    Ok(sqlx::query_as(
        "SELECT line, reason FROM vault_import_rejections WHERE import_id = $1 ORDER BY line LIMIT $2",
    )
    .bind(import_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// An import of any tenant: for publishing what an interrupted import staged.
pub async fn get_any(conn: &mut Conn, id: &str) -> Result<Option<ImportRow>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM vault_imports WHERE id = $1");
    let row: Option<Row> = sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?;
    Ok(row.map(record))
}
