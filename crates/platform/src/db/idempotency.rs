//! The SQL of idempotency keys: claiming a key for a request, recording its answer, and
//! finding the answer again for a retry.

use super::{Db, DbError};

/// What a key says about a request that carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First use: run the request, then [`complete`] or [`release`] the key.
    Fresh,
    /// The same request was answered before: this is its answer (the body sealed).
    Answered {
        status: u16,
        location: Option<String>,
        body: Vec<u8>,
    },
    /// The same key is on a request still running.
    Running,
    /// The key was used for a different request.
    Mismatch,
}

/// A stored key: its request's fingerprint, then the answer's status, location and sealed
/// body once there is one.
type StoredRow = (String, Option<i64>, Option<String>, Option<Vec<u8>>);

/// Claims `key` within `scope` for a request whose content hashes to `fingerprint`; keys
/// created before `expired_before` are forgotten first.
pub async fn claim(
    db: &Db,
    scope: &str,
    key: &str,
    fingerprint: &str,
    now: i64,
    expired_before: i64,
) -> Result<Claim, DbError> {
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE scope = $1 AND idem_key = $2 AND created_at < $3",
    )
    .bind(scope)
    .bind(key)
    .bind(expired_before)
    .execute(db.pool())
    .await?;
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (scope, idem_key, fingerprint, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(scope)
    .bind(key)
    .bind(fingerprint)
    .bind(now)
    .execute(db.pool())
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Claim::Fresh);
    }
    let row: Option<StoredRow> = sqlx::query_as(
        "SELECT fingerprint, status, location, body FROM idempotency_keys \
         WHERE scope = $1 AND idem_key = $2",
    )
    .bind(scope)
    .bind(key)
    .fetch_optional(db.pool())
    .await?;
    Ok(match row {
        // Expired and removed by another request just now: treat as running, the client
        // retries.
        None => Claim::Running,
        Some((stored, _, _, _)) if stored != fingerprint => Claim::Mismatch,
        Some((_, Some(status), location, Some(body))) => Claim::Answered {
            status: u16::try_from(status).unwrap_or(500),
            location,
            body,
        },
        Some(_) => Claim::Running,
    })
}

/// Records the answer to a claimed key.
pub async fn complete(
    db: &Db,
    scope: &str,
    key: &str,
    status: u16,
    location: Option<&str>,
    sealed_body: &[u8],
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE idempotency_keys SET status = $1, location = $2, body = $3 \
         WHERE scope = $4 AND idem_key = $5",
    )
    .bind(i64::from(status))
    .bind(location)
    .bind(sealed_body)
    .bind(scope)
    .bind(key)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Forgets a claimed key whose request failed on the server's side, so a retry runs again.
pub async fn release(db: &Db, scope: &str, key: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM idempotency_keys WHERE scope = $1 AND idem_key = $2")
        .bind(scope)
        .bind(key)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Removes every key created before `expired_before`; how many.
pub async fn sweep(db: &Db, expired_before: i64) -> Result<u64, DbError> {
    let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(expired_before)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected())
}
