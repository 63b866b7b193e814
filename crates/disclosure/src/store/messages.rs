//! The thread of each report: messages between researcher and team, and internal notes.

use platform::db::DbError;

use super::Conn;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    pub id: String,
    pub report_id: String,
    /// `researcher`, `team` or `system`.
    pub author: String,
    pub internal: bool,
    pub body: String,
    pub created_at: i64,
}

pub async fn insert(conn: &mut Conn, message: &MessageRecord) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO disclosure_messages (id, report_id, author, internal, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&message.id)
    .bind(&message.report_id)
    .bind(&message.author)
    .bind(i64::from(message.internal))
    .bind(&message.body)
    .bind(message.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A report's thread, oldest first; internal notes only when `with_internal`.
pub async fn of_report(
    conn: &mut Conn,
    report_id: &str,
    with_internal: bool,
) -> Result<Vec<MessageRecord>, DbError> {
    let rows: Vec<(String, String, String, i64, String, i64)> = sqlx::query_as(
        "SELECT id, report_id, author, internal, body, created_at FROM disclosure_messages \
         WHERE report_id = $1 AND (internal = 0 OR $2 = 1) ORDER BY created_at, id",
    )
    .bind(report_id)
    .bind(i64::from(with_internal))
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, report_id, author, internal, body, created_at)| MessageRecord {
                id,
                report_id,
                author,
                internal: internal != 0,
                body,
                created_at,
            },
        )
        .collect())
}
