//! The `mail_outbox` table: queueing, claiming, and recording the outcome of each attempt.
//! The mailer's only SQL.

use std::time::Duration;

use sqlx::Row;

use super::message::{QueuedMail, parse_recipient};
use super::{EnqueueError, OutgoingMail};
use crate::clock::Timestamp;
use crate::db::{Db, DbError};
use crate::ids::new_id;

/// Queues a message inside the caller's transaction so it is sent only if that commits.
/// A recipient that is not a bare mail address (`ada@example.com`) is refused, not stored.
pub async fn enqueue<'c, E>(
    executor: E,
    mail: &OutgoingMail,
    now: Timestamp,
) -> Result<String, EnqueueError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let recipient =
        parse_recipient(&mail.to).ok_or_else(|| EnqueueError::InvalidRecipient(mail.to.clone()))?;
    let id = new_id("mail");
    sqlx::query(
        "INSERT INTO mail_outbox (id, recipient, subject, body_text, created_at, status, \
         attempts, next_attempt_at, claimed_until) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $5, 0)",
    )
    .bind(&id)
    .bind(recipient.to_string())
    .bind(&mail.subject)
    .bind(&mail.text)
    .bind(now.as_millis())
    .execute(executor)
    .await
    .map_err(DbError::from)?;
    Ok(id)
}

/// Claims up to `limit` due messages for `node` until `now + claim_for`. The `UPDATE`
/// re-checks `claimed_until` on each row it takes, so of two nodes racing for a row only
/// one gets it.
pub(crate) async fn claim_due(
    db: &Db,
    node: &str,
    now: Timestamp,
    claim_for: Duration,
    limit: i64,
) -> Result<Vec<QueuedMail>, DbError> {
    let rows = sqlx::query(
        "UPDATE mail_outbox SET claimed_by = $1, claimed_until = $2 \
         WHERE id IN (SELECT id FROM mail_outbox \
             WHERE status = 'pending' AND next_attempt_at <= $3 AND claimed_until < $3 \
             ORDER BY next_attempt_at LIMIT $4) \
         AND status = 'pending' AND claimed_until < $3 \
         RETURNING id, recipient, subject, body_text, attempts",
    )
    .bind(node)
    .bind(now.plus(claim_for).as_millis())
    .bind(now.as_millis())
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let attempts: i64 = row.try_get("attempts")?;
            Ok(QueuedMail {
                id: row.try_get("id")?,
                to: row.try_get("recipient")?,
                subject: row.try_get("subject")?,
                text: row.try_get("body_text")?,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}

/// Records a delivered message and lets go of its claim.
pub(crate) async fn mark_sent(
    db: &Db,
    id: &str,
    node: &str,
    now: Timestamp,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE mail_outbox SET status = 'sent', sent_at = $3, attempts = attempts + 1, \
         last_error = NULL, claimed_until = 0 \
         WHERE id = $1 AND claimed_by = $2 AND status = 'pending'",
    )
    .bind(id)
    .bind(node)
    .bind(now.as_millis())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Records a failed attempt: the message is tried again at `retry_at`, or with `None`
/// given up and marked failed. `error` must be a short description free of secrets.
pub(crate) async fn mark_attempt_failed(
    db: &Db,
    id: &str,
    node: &str,
    retry_at: Option<Timestamp>,
    error: &str,
) -> Result<(), DbError> {
    let (status, next_attempt_at) = match retry_at {
        Some(at) => ("pending", Some(at.as_millis())),
        None => ("failed", None),
    };
    sqlx::query(
        "UPDATE mail_outbox SET status = $3, attempts = attempts + 1, \
         next_attempt_at = COALESCE($4, next_attempt_at), last_error = $5, claimed_until = 0 \
         WHERE id = $1 AND claimed_by = $2 AND status = 'pending'",
    )
    .bind(id)
    .bind(node)
    .bind(status)
    .bind(next_attempt_at)
    .bind(error)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Lets go of every claim of `node` at shutdown, so another node need not wait them out.
pub(crate) async fn release_claims(db: &Db, node: &str) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE mail_outbox SET claimed_until = 0 WHERE claimed_by = $1 AND status = 'pending'",
    )
    .bind(node)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Sent,
    Failed,
}

/// A message's delivery state, for operators and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailState {
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    /// A short description of the last failure, free of secrets.
    pub last_error: Option<String>,
    pub sent_at: Option<Timestamp>,
}

/// The delivery state of the message `id`, if it exists.
pub async fn state(db: &Db, id: &str) -> Result<Option<MailState>, DbError> {
    let Some(row) = sqlx::query(
        "SELECT status, attempts, next_attempt_at, last_error, sent_at \
         FROM mail_outbox WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    else {
        return Ok(None);
    };
    let status: String = row.try_get("status")?;
    let status = match status.as_str() {
        "sent" => DeliveryStatus::Sent,
        "failed" => DeliveryStatus::Failed,
        _ => DeliveryStatus::Pending,
    };
    let attempts: i64 = row.try_get("attempts")?;
    let sent_at: Option<i64> = row.try_get("sent_at")?;
    Ok(Some(MailState {
        status,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        next_attempt_at: Timestamp::from_millis(row.try_get("next_attempt_at")?),
        last_error: row.try_get("last_error")?,
        sent_at: sent_at.map(Timestamp::from_millis),
    }))
}
