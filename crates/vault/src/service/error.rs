//! Why a vault operation refused, in terms the HTTP layer maps to a status and a message.

use platform::db::DbError;

use crate::keys::KeyError;
use crate::model::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("some fields need attention")]
    Invalid(FieldErrors),
    /// A missing contact and another tenant's contact are the same answer.
    #[error("no such contact")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    BadInput(String),
    #[error("the audit log cannot record this access right now")]
    AuditUnavailable,
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Db(DbError),
    /// A write through the SQLite fast path failed.
    #[error("the database refused a write: {0}")]
    Storage(String),
}

impl From<DbError> for VaultError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::NotFound => Self::NotFound,
            other => Self::Db(other),
        }
    }
}

impl From<FieldErrors> for VaultError {
    fn from(errors: FieldErrors) -> Self {
        Self::Invalid(errors)
    }
}
