//! Sessions of both realms, looked up by the hash of their id and always by realm.

use platform::clock::Timestamp;
use platform::db::DbError;

use super::Conn;

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub id_hash: String,
    pub public_id: String,
    pub principal_id: String,
    pub tenant_id: Option<String>,
    pub stage: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub proved_at: i64,
    pub expires_at: i64,
    pub ip: String,
    pub user_agent: String,
}

type Row = (
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    i64,
    i64,
    i64,
    String,
    String,
);

const COLUMNS: &str = "id_hash, public_id, principal_id, tenant_id, stage, created_at, \
    last_seen_at, proved_at, expires_at, ip, user_agent";

fn record(row: Row) -> SessionRecord {
    let (
        id_hash,
        public_id,
        principal_id,
        tenant_id,
        stage,
        created,
        seen,
        proved,
        expires,
        ip,
        ua,
    ) = row;
    SessionRecord {
        id_hash,
        public_id,
        principal_id,
        tenant_id,
        stage,
        created_at: created,
        last_seen_at: seen,
        proved_at: proved,
        expires_at: expires,
        ip,
        user_agent: ua,
    }
}

/// Parameters in order of first use, so that a plain SQLite connection, which numbers `$N`
/// parameters as they appear, binds them by position as sqlx does by number.
const INSERT: &str = "INSERT INTO sessions (id_hash, public_id, realm, principal_id, \
    tenant_id, stage, created_at, last_seen_at, proved_at, expires_at, ip, user_agent) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

const DELETE_IN_REALM: &str = "DELETE FROM sessions WHERE id_hash = $1 AND realm = $2";

pub async fn insert(conn: &mut Conn, realm: &str, s: &SessionRecord) -> Result<(), DbError> {
    sqlx::query(INSERT)
        .bind(&s.id_hash)
        .bind(&s.public_id)
        .bind(realm)
        .bind(&s.principal_id)
        .bind(&s.tenant_id)
        .bind(&s.stage)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.proved_at)
        .bind(s.expires_at)
        .bind(&s.ip)
        .bind(&s.user_agent)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(
    conn: &mut Conn,
    realm: &str,
    id_hash: &str,
) -> Result<Option<SessionRecord>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM sessions WHERE id_hash = $1 AND realm = $2");
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(id_hash)
        .bind(realm)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(record))
}

pub async fn of_principal(
    conn: &mut Conn,
    realm: &str,
    principal_id: &str,
) -> Result<Vec<SessionRecord>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sessions WHERE realm = $1 AND principal_id = $2 \
         ORDER BY last_seen_at DESC"
    );
    let rows: Vec<Row> = sqlx::query_as(&sql)
        .bind(realm)
        .bind(principal_id)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(record).collect())
}

pub async fn touch(
    conn: &mut Conn,
    id_hash: &str,
    now: Timestamp,
    ip: &str,
) -> Result<(), DbError> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, ip = $2 WHERE id_hash = $3")
        .bind(now.as_millis())
        .bind(ip)
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_proved(conn: &mut Conn, id_hash: &str, now: Timestamp) -> Result<(), DbError> {
    sqlx::query("UPDATE sessions SET proved_at = $1 WHERE id_hash = $2")
        .bind(now.as_millis())
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends a session of `realm`, if it is one.
pub async fn delete_in_realm(conn: &mut Conn, realm: &str, id_hash: &str) -> Result<(), DbError> {
    sqlx::query(DELETE_IN_REALM)
        .bind(id_hash)
        .bind(realm)
        .execute(conn)
        .await?;
    Ok(())
}

/// [`insert`] on a plain SQLite connection (the database's SQLite thread).
pub fn insert_sqlite(
    conn: &rusqlite::Connection,
    realm: &str,
    s: &SessionRecord,
) -> Result<(), DbError> {
    conn.prepare_cached(INSERT)?.execute(rusqlite::params![
        s.id_hash,
        s.public_id,
        realm,
        s.principal_id,
        s.tenant_id,
        s.stage,
        s.created_at,
        s.last_seen_at,
        s.proved_at,
        s.expires_at,
        s.ip,
        s.user_agent,
    ])?;
    Ok(())
}

/// [`delete_in_realm`] on a plain SQLite connection.
pub fn delete_in_realm_sqlite(
    conn: &rusqlite::Connection,
    realm: &str,
    id_hash: &str,
) -> Result<(), DbError> {
    conn.prepare_cached(DELETE_IN_REALM)?
        .execute(rusqlite::params![id_hash, realm])?;
    Ok(())
}

pub async fn delete(conn: &mut Conn, id_hash: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends one session of a principal, named by its public id. False when there was none.
pub async fn delete_public(
    conn: &mut Conn,
    realm: &str,
    principal_id: &str,
    public_id: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "DELETE FROM sessions WHERE realm = $1 AND principal_id = $2 AND public_id = $3",
    )
    .bind(realm)
    .bind(principal_id)
    .bind(public_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Ends every session of a principal except `keep` (a hash), or all of them.
pub async fn delete_all_but(
    conn: &mut Conn,
    realm: &str,
    principal_id: &str,
    keep: Option<&str>,
) -> Result<u64, DbError> {
    let done = sqlx::query(
        "DELETE FROM sessions WHERE realm = $1 AND principal_id = $2 AND id_hash <> $3",
    )
    .bind(realm)
    .bind(principal_id)
    .bind(keep.unwrap_or(""))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
