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
