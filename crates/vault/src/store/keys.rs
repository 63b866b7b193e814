//! Each tenant's data key, wrapped by the master key.

use platform::db::DbError;

use super::Conn;

/// Stores a tenant's first key; keeps the existing one if another request stored it first.
pub async fn insert_if_absent(
    conn: &mut Conn,
    tenant_id: &str,
    wrapped: &[u8],
    master_key_id: &str,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO vault_keys (tenant_id, wrapped_key, master_key_id, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id) DO NOTHING",
    )
    .bind(tenant_id)
    .bind(wrapped)
    .bind(master_key_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, tenant_id: &str) -> Result<Option<Vec<u8>>, DbError> {
    let row: Option<(Vec<u8>,)> =
        sqlx::query_as("SELECT wrapped_key FROM vault_keys WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(wrapped,)| wrapped))
}

/// Every tenant's wrapped key, for re-wrapping under a new master key.
pub async fn all(conn: &mut Conn) -> Result<Vec<(String, Vec<u8>)>, DbError> {
    Ok(
        sqlx::query_as("SELECT tenant_id, wrapped_key FROM vault_keys ORDER BY tenant_id")
            .fetch_all(conn)
            .await?,
    )
}

pub async fn rewrap(
    conn: &mut Conn,
    tenant_id: &str,
    wrapped: &[u8],
    master_key_id: &str,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE vault_keys SET wrapped_key = $1, master_key_id = $2, rewrapped_at = $3 \
         WHERE tenant_id = $4",
    )
    .bind(wrapped)
    .bind(master_key_id)
    .bind(now)
    .bind(tenant_id)
    .execute(conn)
    .await?;
    Ok(())
}
