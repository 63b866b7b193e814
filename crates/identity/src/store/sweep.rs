//! Deleting what can no longer be used: ended sessions, old failures, spent links.

use platform::clock::Timestamp;
use platform::db::DbError;

use super::Conn;

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub sessions: u64,
    pub failures: u64,
    pub links: u64,
}

/// Removes sessions past their absolute end or idle since `idle_before`, failures last
/// seen before `failures_before`, and links expired or used before `links_before`.
pub async fn sweep(
    conn: &mut Conn,
    now: Timestamp,
    idle_before: Timestamp,
    failures_before: Timestamp,
    links_before: Timestamp,
) -> Result<Swept, DbError> {
    let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2")
        .bind(now.as_millis())
        .bind(idle_before.as_millis())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let failures = sqlx::query("DELETE FROM login_failures WHERE last_failure_at < $1")
        .bind(failures_before.as_millis())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let links = sqlx::query(
        "DELETE FROM one_time_links WHERE expires_at < $1 OR (used_at IS NOT NULL AND used_at < $1)",
    )
    .bind(links_before.as_millis())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(Swept {
        sessions,
        failures,
        links,
    })
}
