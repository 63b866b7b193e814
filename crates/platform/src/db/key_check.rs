//! Records which master key the database belongs to, and refuses a different one.

use super::{Db, DbError};
use crate::clock::Timestamp;

#[derive(Debug, thiserror::Error)]
pub enum KeyCheckError {
    #[error(
        "the master key ({given}) is not the one this database was created with ({recorded}); \
         point keys.master_key_file (RAMPART_MASTER_KEY_FILE) at the right key"
    )]
    Mismatch { given: String, recorded: String },
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Records `key_id` on first use; afterwards, refuses any other id.
pub async fn verify_master_key(db: &Db, key_id: &str, now: Timestamp) -> Result<(), KeyCheckError> {
    sqlx::query(
        "INSERT INTO master_key_check (name, key_id, recorded_at) VALUES ('master', $1, $2) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(key_id)
    .bind(now.as_millis())
    .execute(db.pool())
    .await
    .map_err(DbError::from)?;
    let (recorded,): (String,) =
        sqlx::query_as("SELECT key_id FROM master_key_check WHERE name = 'master'")
            .fetch_one(db.pool())
            .await
            .map_err(DbError::from)?;
    if recorded == key_id {
        Ok(())
    } else {
        Err(KeyCheckError::Mismatch {
            given: key_id.to_owned(),
            recorded,
        })
    }
}

/// Records, inside the caller's transaction, that the database now belongs to `key_id`: the
/// last step of a master key rotation, committed with the re-sealed secrets.
pub async fn record_rotation(
    conn: &mut sqlx::AnyConnection,
    key_id: &str,
    now: Timestamp,
) -> Result<(), DbError> {
    sqlx::query("UPDATE master_key_check SET key_id = $1, recorded_at = $2 WHERE name = 'master'")
        .bind(key_id)
        .bind(now.as_millis())
        .execute(conn)
        .await?;
    Ok(())
}

/// The id of the master key the database belongs to, if one was recorded.
pub async fn recorded_key_id(db: &Db) -> Result<Option<String>, DbError> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT key_id FROM master_key_check WHERE name = 'master'")
            .fetch_optional(db.pool())
            .await?;
    Ok(row.map(|(id,)| id))
}
