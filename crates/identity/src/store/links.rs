//! Single-use links: email verification, password reset, staff set-up.

use platform::clock::Timestamp;
use platform::db::DbError;

use super::Conn;

pub async fn insert(
    conn: &mut Conn,
    token_hash: &str,
    purpose: &str,
    subject_id: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO one_time_links (token_hash, purpose, subject_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(purpose)
    .bind(subject_id)
    .bind(now.as_millis())
    .bind(expires_at.as_millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// The subject of a link that is unused and unexpired at `now`, without using it.
pub async fn peek(
    conn: &mut Conn,
    token_hash: &str,
    purpose: &str,
    now: Timestamp,
) -> Result<Option<String>, DbError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT subject_id FROM one_time_links WHERE token_hash = $1 AND purpose = $2 \
         AND used_at IS NULL AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(purpose)
    .bind(now.as_millis())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(subject,)| subject))
}

/// Uses a link: its subject, once; `None` if it was used, expired or never existed.
pub async fn redeem(
    conn: &mut Conn,
    token_hash: &str,
    purpose: &str,
    now: Timestamp,
) -> Result<Option<String>, DbError> {
    let Some(subject) = peek(&mut *conn, token_hash, purpose, now).await? else {
        return Ok(None);
    };
    let done = sqlx::query(
        "UPDATE one_time_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
    )
    .bind(now.as_millis())
    .bind(token_hash)
    .execute(conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(subject))
}

/// Voids every open link of a subject for a purpose (a newer one replaces them).
pub async fn void_open(
    conn: &mut Conn,
    purpose: &str,
    subject_id: &str,
    now: Timestamp,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE one_time_links SET used_at = $1 WHERE purpose = $2 AND subject_id = $3 \
         AND used_at IS NULL",
    )
    .bind(now.as_millis())
    .bind(purpose)
    .bind(subject_id)
    .execute(conn)
    .await?;
    Ok(())
}
