//! A tenant's custom field definitions.

use platform::db::DbError;

use super::Conn;

pub async fn list(conn: &mut Conn, tenant_id: &str) -> Result<Vec<(String, String)>, DbError> {
    Ok(
        sqlx::query_as("SELECT name, kind FROM vault_fields WHERE tenant_id = $1 ORDER BY name")
            .bind(tenant_id)
            .fetch_all(conn)
            .await?,
    )
}

/// Defines a field; a field of that name already defined is a conflict.
pub async fn insert(
    conn: &mut Conn,
    tenant_id: &str,
    name: &str,
    kind: &str,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO vault_fields (tenant_id, name, kind, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(tenant_id)
    .bind(name)
    .bind(kind)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes a definition; whether it existed.
pub async fn delete(conn: &mut Conn, tenant_id: &str, name: &str) -> Result<bool, DbError> {
    let done = sqlx::query("DELETE FROM vault_fields WHERE tenant_id = $1 AND name = $2")
        .bind(tenant_id)
        .bind(name)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}
