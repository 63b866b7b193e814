//! Recovery codes, stored as hashes and used once.

use platform::clock::Timestamp;
use platform::db::DbError;

use super::Conn;

/// Replaces every code of a user with `hashes`.
pub async fn replace(conn: &mut Conn, user_id: &str, hashes: &[String]) -> Result<(), DbError> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for hash in hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(hash)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Uses a code: true once, false when it was used or never existed.
pub async fn redeem(
    conn: &mut Conn,
    user_id: &str,
    hash: &str,
    now: Timestamp,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 \
         AND used_at IS NULL",
    )
    .bind(now.as_millis())
    .bind(user_id)
    .bind(hash)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn remaining(conn: &mut Conn, user_id: &str) -> Result<i64, DbError> {
    let (count,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    Ok(count)
}
