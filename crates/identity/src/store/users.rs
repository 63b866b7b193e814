//! People of a tenant: their credentials, second factor and role.

use platform::clock::Timestamp;
use platform::db::DbError;
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use super::Conn;

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: String,
    pub tenant_id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub email_verified_at: Option<i64>,
    pub totp_secret: Option<String>,
    pub totp_pending_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub totp_enabled_at: Option<i64>,
}

pub(super) const COLUMNS: &str = "id, tenant_id, email, name, role, password_hash, email_verified_at, \
    totp_secret, totp_pending_secret, totp_last_step, totp_enabled_at";

impl<'r> FromRow<'r, AnyRow> for UserRecord {
    fn from_row(row: &'r AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            tenant_id: row.try_get("tenant_id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            role: row.try_get("role")?,
            password_hash: row.try_get("password_hash")?,
            email_verified_at: row.try_get("email_verified_at")?,
            totp_secret: row.try_get("totp_secret")?,
            totp_pending_secret: row.try_get("totp_pending_secret")?,
            totp_last_step: row.try_get("totp_last_step")?,
            totp_enabled_at: row.try_get("totp_enabled_at")?,
        })
    }
}

pub struct NewUser<'a> {
    pub id: &'a str,
    pub tenant_id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub email_verified: Option<Timestamp>,
}

pub async fn insert(conn: &mut Conn, user: &NewUser<'_>, now: Timestamp) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO users (id, tenant_id, email, name, role, password_hash, email_verified_at, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(user.id)
    .bind(user.tenant_id)
    .bind(user.email)
    .bind(user.name)
    .bind(user.role)
    .bind(user.password_hash)
    .bind(user.email_verified.map(Timestamp::as_millis))
    .bind(now.as_millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// An active (not removed) person by email.
pub async fn by_email(conn: &mut Conn, email: &str) -> Result<Option<UserRecord>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1 AND removed_at IS NULL");
    let user: Option<UserRecord> = sqlx::query_as(&sql)
        .bind(email)
        .fetch_optional(conn)
        .await?;
    Ok(user)
}

/// An active person by id.
pub async fn by_id(conn: &mut Conn, id: &str) -> Result<UserRecord, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1 AND removed_at IS NULL");
    Ok(sqlx::query_as(&sql).bind(id).fetch_one(conn).await?)
}

/// The active people of a tenant, oldest first.
pub async fn in_tenant(conn: &mut Conn, tenant_id: &str) -> Result<Vec<UserRecord>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND removed_at IS NULL ORDER BY id"
    );
    Ok(sqlx::query_as(&sql).bind(tenant_id).fetch_all(conn).await?)
}

pub async fn email_taken(conn: &mut Conn, email: &str) -> Result<bool, DbError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

pub async fn set_password_hash(conn: &mut Conn, id: &str, hash: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_verified(conn: &mut Conn, id: &str, now: Timestamp) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL",
    )
    .bind(now.as_millis())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_pending_totp(
    conn: &mut Conn,
    id: &str,
    sealed: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query("UPDATE users SET totp_pending_secret = $1 WHERE id = $2")
        .bind(sealed)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Turns 2FA on with `sealed` as the secret, or off with `None`.
pub async fn set_totp(
    conn: &mut Conn,
    id: &str,
    sealed: Option<&str>,
    step: Option<i64>,
    now: Timestamp,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE users SET totp_secret = $1, totp_last_step = $2, totp_enabled_at = $3, \
         totp_pending_secret = NULL WHERE id = $4",
    )
    .bind(sealed)
    .bind(step)
    .bind(sealed.map(|_| now.as_millis()))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the step of an accepted code, only if it is newer than the last one, so two
/// concurrent log-ins with the same code cannot both succeed. False when it was not newer.
pub async fn advance_totp_step(conn: &mut Conn, id: &str, step: i64) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 \
         AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a person from their tenant. The row stays (ids in other records keep meaning), but
/// the address is released so the same person can be invited again.
pub async fn mark_removed(conn: &mut Conn, id: &str, now: Timestamp) -> Result<(), DbError> {
    sqlx::query("UPDATE users SET removed_at = $1, email = id || '@removed.invalid' WHERE id = $2")
        .bind(now.as_millis())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn count_owners(conn: &mut Conn, tenant_id: &str) -> Result<i64, DbError> {
    let (count,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND role = 'owner' AND removed_at IS NULL",
    )
    .bind(tenant_id)
    .fetch_one(conn)
    .await?;
    Ok(count)
}
