//! The secrets identity keeps sealed by the master key (TOTP secrets, enrolled and
//! pending), read and rewritten together when the master key is rotated.

use platform::db::DbError;

use super::Conn;

/// A person's sealed secrets: their id, then the enrolled and the pending TOTP secret.
pub type SealedSecrets = (String, Option<String>, Option<String>);

/// The tables whose rows hold sealed TOTP secrets: customers' users and staff.
pub const TABLES: [&str; 2] = ["users", "staff"];

pub async fn all(conn: &mut Conn, table: &str) -> Result<Vec<SealedSecrets>, DbError> {
    let sql = format!(
        "SELECT id, totp_secret, totp_pending_secret FROM {table} \
         WHERE totp_secret IS NOT NULL OR totp_pending_secret IS NOT NULL"
    );
    Ok(sqlx::query_as(&sql).fetch_all(conn).await?)
}

pub async fn set(conn: &mut Conn, table: &str, secrets: &SealedSecrets) -> Result<(), DbError> {
    let sql =
        format!("UPDATE {table} SET totp_secret = $1, totp_pending_secret = $2 WHERE id = $3");
    sqlx::query(&sql)
        .bind(secrets.1.as_deref())
        .bind(secrets.2.as_deref())
        .bind(&secrets.0)
        .execute(conn)
        .await?;
    Ok(())
}
