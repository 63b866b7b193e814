//! Invitations to join a tenant, redeemed once by the link mailed to the invitee.

use platform::clock::Timestamp;
use platform::db::DbError;

use super::Conn;

#[derive(Debug, Clone)]
pub struct InvitationRecord {
    pub id: String,
    pub tenant_id: String,
    pub email: String,
    pub role: String,
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
);

const COLUMNS: &str =
    "id, tenant_id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at";

fn record(row: Row) -> InvitationRecord {
    let (id, tenant_id, email, role, invited_by, created, expires, accepted, revoked) = row;
    InvitationRecord {
        id,
        tenant_id,
        email,
        role,
        invited_by,
        created_at: created,
        expires_at: expires,
        accepted_at: accepted,
        revoked_at: revoked,
    }
}

pub async fn insert(
    conn: &mut Conn,
    invitation: &InvitationRecord,
    token_hash: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO invitations (id, tenant_id, email, role, token_hash, invited_by, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&invitation.id)
    .bind(&invitation.tenant_id)
    .bind(&invitation.email)
    .bind(&invitation.role)
    .bind(token_hash)
    .bind(&invitation.invited_by)
    .bind(invitation.created_at)
    .bind(invitation.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn by_token_hash(
    conn: &mut Conn,
    hash: &str,
) -> Result<Option<InvitationRecord>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM invitations WHERE token_hash = $1");
    let row: Option<Row> = sqlx::query_as(&sql).bind(hash).fetch_optional(conn).await?;
    Ok(row.map(record))
}

/// Invitations of a tenant still waiting for an answer at `now`.
pub async fn open_in_tenant(
    conn: &mut Conn,
    tenant_id: &str,
    now: Timestamp,
) -> Result<Vec<InvitationRecord>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM invitations WHERE tenant_id = $1 AND accepted_at IS NULL \
         AND revoked_at IS NULL AND expires_at > $2 ORDER BY id"
    );
    let rows: Vec<Row> = sqlx::query_as(&sql)
        .bind(tenant_id)
        .bind(now.as_millis())
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(record).collect())
}

/// Marks an invitation used, only if it still was open: false when someone was first.
pub async fn accept(conn: &mut Conn, id: &str, now: Timestamp) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE invitations SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL \
         AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(now.as_millis())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn revoke(
    conn: &mut Conn,
    tenant_id: &str,
    id: &str,
    now: Timestamp,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND tenant_id = $3 \
         AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now.as_millis())
    .bind(id)
    .bind(tenant_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
