//! A customer's log-in: what it reads before the password is checked, in one round trip
//! (the failures of the identifier, whether or not an account has it, and the account with
//! its tenant's 2FA rule), and what it writes once the password is right, through the pool
//! or in one transaction on a plain SQLite connection.

use platform::db::DbError;
use rusqlite::TransactionBehavior;
use sqlx::{FromRow, Row};

use super::Conn;
use super::sessions::{self, SessionRecord};
use super::throttle::{self, FailureRow};
use super::users::{COLUMNS as USER_COLUMNS, UserRecord};

#[derive(Debug, Default)]
pub struct LoginLookup {
    pub failures: Option<FailureRow>,
    /// The active account with this email, and whether its tenant requires 2FA.
    pub account: Option<(UserRecord, bool)>,
}

/// The failures under `identifier_hash`, and the active account of `email` (none is looked
/// for without one). The one-row table `k` makes a row whether or not either exists; the
/// column names of the two tables do not overlap.
pub async fn lookup(
    conn: &mut Conn,
    identifier_hash: &str,
    email: Option<&str>,
) -> Result<LoginLookup, DbError> {
    let sql = format!(
        "SELECT failures, last_failure_at, alerted_at, {USER_COLUMNS}, \
         (SELECT require_2fa_since FROM tenants WHERE tenants.id = u.tenant_id) \
         AS require_2fa_since \
         FROM (SELECT 1 AS one) AS k \
         LEFT JOIN login_failures ON identifier_hash = $1 \
         LEFT JOIN users AS u ON u.email = $2 AND u.removed_at IS NULL"
    );
    let row = sqlx::query(&sql)
        .bind(identifier_hash)
        .bind(email)
        .fetch_one(conn)
        .await?;
    let failures = match row.try_get::<Option<i64>, _>("failures")? {
        Some(failures) => Some(FailureRow {
            failures,
            last_failure_at: row.try_get("last_failure_at")?,
            alerted_at: row.try_get("alerted_at")?,
        }),
        None => None,
    };
    let account = match row.try_get::<Option<String>, _>("id")? {
        Some(_) => {
            let required_since: Option<i64> = row.try_get("require_2fa_since")?;
            Some((UserRecord::from_row(&row)?, required_since.is_some()))
        }
        None => None,
    };
    Ok(LoginLookup { failures, account })
}

/// The rows a log-in writes once the password is right.
#[derive(Debug)]
pub struct LoginRows {
    /// The throttle key whose failures a success clears, when it has any.
    pub clear_failures_of: Option<String>,
    /// The hash of the session this log-in replaces, which ends.
    pub replacing: Option<String>,
    pub session: SessionRecord,
}

/// Writes `rows` inside the caller's transaction.
pub async fn write(conn: &mut Conn, realm: &str, rows: &LoginRows) -> Result<(), DbError> {
    if let Some(key) = &rows.clear_failures_of {
        throttle::clear(conn, key).await?;
    }
    if let Some(old) = &rows.replacing {
        sessions::delete_in_realm(conn, realm, old).await?;
    }
    sessions::insert(conn, realm, &rows.session).await
}

/// Writes `rows` and whatever `also` writes (the audit entry) in one transaction on a plain
/// SQLite connection, and commits.
pub fn commit_sqlite(
    conn: &mut rusqlite::Connection,
    realm: &str,
    rows: &LoginRows,
    also: impl FnOnce(&rusqlite::Connection) -> Result<(), DbError>,
) -> Result<(), DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let Some(key) = &rows.clear_failures_of {
        throttle::clear_sqlite(&tx, key)?;
    }
    if let Some(old) = &rows.replacing {
        sessions::delete_in_realm_sqlite(&tx, realm, old)?;
    }
    sessions::insert_sqlite(&tx, realm, &rows.session)?;
    also(&tx)?;
    tx.commit()?;
    Ok(())
}
