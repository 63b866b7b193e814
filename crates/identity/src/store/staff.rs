//! Staff accounts: Rampart's operators, apart from every tenant.

use platform::clock::Timestamp;
use platform::db::DbError;

use super::Conn;

#[derive(Debug, Clone)]
pub struct StaffRecord {
    pub id: String,
    pub email: String,
    pub role: String,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub totp_pending_secret: Option<String>,
    pub totp_last_step: Option<i64>,
}

type Row = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

const COLUMNS: &str =
    "id, email, role, password_hash, totp_secret, totp_pending_secret, totp_last_step";

fn record(row: Row) -> StaffRecord {
    let (id, email, role, password_hash, totp_secret, totp_pending_secret, totp_last_step) = row;
    StaffRecord {
        id,
        email,
        role,
        password_hash,
        totp_secret,
        totp_pending_secret,
        totp_last_step,
    }
}

pub async fn insert(
    conn: &mut Conn,
    id: &str,
    email: &str,
    role: &str,
    now: Timestamp,
) -> Result<(), DbError> {
    sqlx::query("INSERT INTO staff (id, email, role, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(email)
        .bind(role)
        .bind(now.as_millis())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn by_email(conn: &mut Conn, email: &str) -> Result<Option<StaffRecord>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM staff WHERE email = $1 AND disabled_at IS NULL");
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(email)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(record))
}

pub async fn by_id(conn: &mut Conn, id: &str) -> Result<StaffRecord, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM staff WHERE id = $1 AND disabled_at IS NULL");
    let row: Row = sqlx::query_as(&sql).bind(id).fetch_one(conn).await?;
    Ok(record(row))
}

pub async fn set_password_hash(conn: &mut Conn, id: &str, hash: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE staff SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_pending_totp(conn: &mut Conn, id: &str, sealed: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE staff SET totp_pending_secret = $1 WHERE id = $2")
        .bind(sealed)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn enable_totp(
    conn: &mut Conn,
    id: &str,
    sealed: &str,
    step: i64,
    now: Timestamp,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE staff SET totp_secret = $1, totp_last_step = $2, totp_enabled_at = $3, \
         totp_pending_secret = NULL WHERE id = $4",
    )
    .bind(sealed)
    .bind(step)
    .bind(now.as_millis())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Same guard as for customers: a code's step is recorded only if newer than the last.
pub async fn advance_totp_step(conn: &mut Conn, id: &str, step: i64) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE staff SET totp_last_step = $1 WHERE id = $2 \
         AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
