//! API tokens, stored by the hash that looks them up.

use platform::clock::Timestamp;
use platform::db::DbError;

use super::Conn;

#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub id: String,
    pub tenant_id: String,
    pub user_id: String,
    pub name: String,
    pub scopes: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    pub revoked_at: Option<i64>,
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

const COLUMNS: &str = "id, tenant_id, user_id, name, scopes, created_at, expires_at, \
    last_used_at, last_used_ip, revoked_at";

fn record(row: Row) -> TokenRecord {
    let (id, tenant_id, user_id, name, scopes, created, expires, used, ip, revoked) = row;
    TokenRecord {
        id,
        tenant_id,
        user_id,
        name,
        scopes,
        created_at: created,
        expires_at: expires,
        last_used_at: used,
        last_used_ip: ip,
        revoked_at: revoked,
    }
}

pub async fn insert(
    conn: &mut Conn,
    token: &TokenRecord,
    lookup_hash: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO api_tokens (id, tenant_id, user_id, name, lookup_hash, scopes, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&token.id)
    .bind(&token.tenant_id)
    .bind(&token.user_id)
    .bind(&token.name)
    .bind(lookup_hash)
    .bind(&token.scopes)
    .bind(token.created_at)
    .bind(token.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn by_lookup_hash(conn: &mut Conn, hash: &str) -> Result<Option<TokenRecord>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE lookup_hash = $1");
    let row: Option<Row> = sqlx::query_as(&sql).bind(hash).fetch_optional(conn).await?;
    Ok(row.map(record))
}

/// A token of `tenant_id`; another tenant's token is reported as not found.
pub async fn in_tenant(
    conn: &mut Conn,
    tenant_id: &str,
    id: &str,
) -> Result<Option<TokenRecord>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE tenant_id = $1 AND id = $2");
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(record))
}

pub async fn of_user(conn: &mut Conn, user_id: &str) -> Result<Vec<TokenRecord>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC");
    let rows: Vec<Row> = sqlx::query_as(&sql).bind(user_id).fetch_all(conn).await?;
    Ok(rows.into_iter().map(record).collect())
}

pub async fn record_use(
    conn: &mut Conn,
    id: &str,
    now: Timestamp,
    ip: &str,
) -> Result<(), DbError> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1, last_used_ip = $2 WHERE id = $3")
        .bind(now.as_millis())
        .bind(ip)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Revokes one token of a user. False when there was no such unrevoked token.
pub async fn revoke(
    conn: &mut Conn,
    user_id: &str,
    id: &str,
    now: Timestamp,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 \
         AND revoked_at IS NULL",
    )
    .bind(now.as_millis())
    .bind(id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn revoke_all_of_user(
    conn: &mut Conn,
    user_id: &str,
    now: Timestamp,
) -> Result<u64, DbError> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now.as_millis())
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
