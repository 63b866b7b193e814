//! Researcher accounts, their single-use sign-in links and their sessions; and the reports
//! an account sent.

use platform::db::DbError;

use super::Conn;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResearcherRecord {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
}

pub async fn by_email(conn: &mut Conn, email: &str) -> Result<Option<ResearcherRecord>, DbError> {
    let row: Option<(String, String, Option<String>)> =
        sqlx::query_as("SELECT id, email, name FROM disclosure_researchers WHERE email = $1")
            .bind(email)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(id, email, name)| ResearcherRecord { id, email, name }))
}

pub async fn insert(
    conn: &mut Conn,
    researcher: &ResearcherRecord,
    at: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO disclosure_researchers (id, email, name, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&researcher.id)
    .bind(&researcher.email)
    .bind(&researcher.name)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_link(
    conn: &mut Conn,
    hash: &str,
    email: &str,
    name: Option<&str>,
    expires_at: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO disclosure_sign_in_links (hash, email, name, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(hash)
    .bind(email)
    .bind(name)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Uses the link once: its address and name when it was unused and unexpired at `now`.
pub async fn use_link(
    conn: &mut Conn,
    hash: &str,
    now: i64,
) -> Result<Option<(String, Option<String>)>, DbError> {
    let row: Option<(String, Option<String>)> = sqlx::query_as(
        "UPDATE disclosure_sign_in_links SET used_at = $2 \
         WHERE hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING email, name",
    )
    .bind(hash)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(row)
}

pub async fn insert_session(
    conn: &mut Conn,
    hash: &str,
    researcher_id: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO disclosure_researcher_sessions (hash, researcher_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(hash)
    .bind(researcher_id)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The researcher of an unexpired session.
pub async fn of_session(
    conn: &mut Conn,
    hash: &str,
    now: i64,
) -> Result<Option<ResearcherRecord>, DbError> {
    let row: Option<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT r.id, r.email, r.name FROM disclosure_researcher_sessions s \
         JOIN disclosure_researchers r ON r.id = s.researcher_id \
         WHERE s.hash = $1 AND s.expires_at > $2",
    )
    .bind(hash)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id, email, name)| ResearcherRecord { id, email, name }))
}

pub async fn end_session(conn: &mut Conn, hash: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM disclosure_researcher_sessions WHERE hash = $1")
        .bind(hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Attaches a report to the account that sent it, with its sealed tracking secret.
pub async fn own_report(
    conn: &mut Conn,
    report_id: &str,
    researcher_id: &str,
    tracking_sealed: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE disclosure_reports SET researcher_id = $2, tracking_sealed = $3 WHERE id = $1",
    )
    .bind(report_id)
    .bind(researcher_id)
    .bind(tracking_sealed)
    .execute(conn)
    .await?;
    Ok(())
}

/// The account's reports, newest first: id and sealed tracking secret.
pub async fn reports_of(
    conn: &mut Conn,
    researcher_id: &str,
) -> Result<Vec<(String, Option<String>)>, DbError> {
    Ok(sqlx::query_as(
        "SELECT id, tracking_sealed FROM disclosure_reports WHERE researcher_id = $1 \
         ORDER BY submitted_at DESC, id DESC",
    )
    .bind(researcher_id)
    .fetch_all(conn)
    .await?)
}

/// Reports the account sent since `since`, for its hourly limit.
pub async fn count_since(conn: &mut Conn, researcher_id: &str, since: i64) -> Result<i64, DbError> {
    let (count,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM disclosure_reports WHERE researcher_id = $1 AND submitted_at >= $2",
    )
    .bind(researcher_id)
    .bind(since)
    .fetch_one(conn)
    .await?;
    Ok(count)
}

/// Replaces the sealed tracking secret of a report an account owns (`None` when revoked).
pub async fn set_tracking_sealed(
    conn: &mut Conn,
    report_id: &str,
    tracking_sealed: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE disclosure_reports SET tracking_sealed = $2 WHERE id = $1 AND researcher_id IS NOT NULL",
    )
    .bind(report_id)
    .bind(tracking_sealed)
    .execute(conn)
    .await?;
    Ok(())
}
