//! Attachments of reports, sealed, and the key that seals them (itself sealed by the
//! master key).

use platform::db::DbError;

use super::Conn;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub id: String,
    pub report_id: String,
    pub filename: String,
    pub size: i64,
    pub uploaded_by: String,
    pub created_at: i64,
}

/// An attachment row: id, report, name, size, uploader, time, and the sealed contents.
type Row = (String, String, String, i64, String, i64, Vec<u8>);

pub async fn insert(conn: &mut Conn, info: &AttachmentInfo, sealed: &[u8]) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO disclosure_attachments (id, report_id, filename, size, sealed, \
         uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&info.id)
    .bind(&info.report_id)
    .bind(&info.filename)
    .bind(info.size)
    .bind(sealed)
    .bind(&info.uploaded_by)
    .bind(info.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A report's attachments, oldest first, without their contents.
pub async fn of_report(conn: &mut Conn, report_id: &str) -> Result<Vec<AttachmentInfo>, DbError> {
    let rows: Vec<(String, String, String, i64, String, i64)> = sqlx::query_as(
        "SELECT id, report_id, filename, size, uploaded_by, created_at \
         FROM disclosure_attachments WHERE report_id = $1 ORDER BY created_at, id",
    )
    .bind(report_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, report_id, filename, size, uploaded_by, created_at)| AttachmentInfo {
                id,
                report_id,
                filename,
                size,
                uploaded_by,
                created_at,
            },
        )
        .collect())
}

/// An attachment of the report, with its sealed contents.
pub async fn get(
    conn: &mut Conn,
    report_id: &str,
    id: &str,
) -> Result<Option<(AttachmentInfo, Vec<u8>)>, DbError> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, report_id, filename, size, uploaded_by, created_at, sealed \
         FROM disclosure_attachments WHERE report_id = $1 AND id = $2",
    )
    .bind(report_id)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(
        |(id, report_id, filename, size, uploaded_by, created_at, sealed)| {
            (
                AttachmentInfo {
                    id,
                    report_id,
                    filename,
                    size,
                    uploaded_by,
                    created_at,
                },
                sealed,
            )
        },
    ))
}

/// The attachments key, sealed by the master key (hex), if one was made.
pub async fn wrapped_key(conn: &mut Conn) -> Result<Option<String>, DbError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT wrapped FROM disclosure_keys WHERE id = 1")
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|(wrapped,)| wrapped))
}

/// Stores the first key; a key stored meanwhile by another node wins (nothing changes).
pub async fn put_key_if_absent(conn: &mut Conn, wrapped: &str) -> Result<(), DbError> {
    sqlx::query("INSERT INTO disclosure_keys (id, wrapped) VALUES (1, $1) ON CONFLICT DO NOTHING")
        .bind(wrapped)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn replace_key(conn: &mut Conn, wrapped: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE disclosure_keys SET wrapped = $1 WHERE id = 1")
        .bind(wrapped)
        .execute(conn)
        .await?;
    Ok(())
}
