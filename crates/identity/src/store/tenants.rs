//! Tenants: the organisations whose people and data Rampart keeps apart.

use platform::clock::Timestamp;
use platform::db::DbError;

use super::Conn;

#[derive(Debug, Clone)]
pub struct TenantRecord {
    pub id: String,
    pub name: String,
    pub require_2fa: bool,
}

pub async fn insert(conn: &mut Conn, id: &str, name: &str, now: Timestamp) -> Result<(), DbError> {
    sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(name)
        .bind(now.as_millis())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &str) -> Result<TenantRecord, DbError> {
    let (id, name, since): (String, String, Option<i64>) =
        sqlx::query_as("SELECT id, name, require_2fa_since FROM tenants WHERE id = $1")
            .bind(id)
            .fetch_one(conn)
            .await?;
    Ok(TenantRecord {
        id,
        name,
        require_2fa: since.is_some(),
    })
}

pub async fn set_require_2fa(
    conn: &mut Conn,
    id: &str,
    since: Option<Timestamp>,
) -> Result<(), DbError> {
    sqlx::query("UPDATE tenants SET require_2fa_since = $1 WHERE id = $2")
        .bind(since.map(Timestamp::as_millis))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
