//! The periods a report waited on its researcher, during which its clocks stand still.

use platform::db::DbError;

use super::Conn;

pub async fn start(conn: &mut Conn, report_id: &str, at: i64) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO disclosure_pauses (report_id, started_at) VALUES ($1, $2) \
         ON CONFLICT DO NOTHING",
    )
    .bind(report_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends the report's open pause, if it has one.
pub async fn end(conn: &mut Conn, report_id: &str, at: i64) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE disclosure_pauses SET ended_at = $2 WHERE report_id = $1 AND ended_at IS NULL",
    )
    .bind(report_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// (start, end) of each pause of the report, oldest first; an open pause has no end.
pub async fn of_report(
    conn: &mut Conn,
    report_id: &str,
) -> Result<Vec<(i64, Option<i64>)>, DbError> {
    Ok(sqlx::query_as(
        "SELECT started_at, ended_at FROM disclosure_pauses WHERE report_id = $1 \
         ORDER BY started_at",
    )
    .bind(report_id)
    .fetch_all(conn)
    .await?)
}
