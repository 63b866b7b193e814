//! The policy page's Markdown as the security team last saved it.

use platform::db::DbError;

use super::Conn;

/// The saved policy and when it was saved; `None` before the first edit.
pub async fn get(conn: &mut Conn) -> Result<Option<(String, i64)>, DbError> {
    Ok(
        sqlx::query_as("SELECT markdown, updated_at FROM disclosure_policy WHERE id = 1")
            .fetch_optional(conn)
            .await?,
    )
}

pub async fn put(conn: &mut Conn, markdown: &str, at: i64, by: &str) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO disclosure_policy (id, markdown, updated_at, updated_by) \
         VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET markdown = excluded.markdown, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(markdown)
    .bind(at)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}
