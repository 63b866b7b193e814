//! How a [`VaultError`] answers on the API: the status table in one place.

use platform::web::{ApiError, ProblemKind};

use crate::VaultError;

pub fn problem(err: VaultError) -> ApiError {
    match err {
        VaultError::Invalid(errors) => ApiError::validation(errors.into_map()),
        VaultError::NotFound => ApiError::new(
            ProblemKind::NotFound,
            "no contact, import or field with this id in your organisation",
        ),
        VaultError::Conflict(message) => ApiError::new(ProblemKind::Conflict, message),
        VaultError::BadInput(message) => ApiError::new(ProblemKind::BadRequest, message),
        VaultError::AuditUnavailable => ApiError::new(
            ProblemKind::Unavailable,
            "the audit log cannot record this access right now; try again shortly",
        )
        .retry_after(1),
        VaultError::Key(err) => ApiError::internal(&err),
        VaultError::Db(platform::db::DbError::Unavailable(err)) => {
            tracing::warn!(error = %err, "database unavailable");
            ApiError::new(
                ProblemKind::Unavailable,
                "the database is busy; try again shortly",
            )
            .retry_after(1)
        }
        VaultError::Db(err) => ApiError::internal(&err),
        err @ VaultError::Storage(_) => ApiError::internal(&err),
    }
}
