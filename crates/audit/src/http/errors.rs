//! Audit errors as API problems and pages.

use axum::response::{IntoResponse, Response};
use platform::web::{ApiError, ProblemKind};

use crate::service::AuditError;

/// Seconds to wait before asking again for something the next checkpoint will cover.
const CHECKPOINT_RETRY_SECS: u64 = 1;

pub(super) fn problem(err: &AuditError) -> Response {
    match err {
        AuditError::NotFound => ApiError::new(ProblemKind::NotFound, "there is no such entry in your tenant's log"),
        AuditError::BadRequest(detail) => ApiError::new(ProblemKind::BadRequest, detail.clone()),
        // Not a fault of the server: the entry is newer than the log's signed state, which
        // catches up within a second.
        AuditError::NotYetCheckpointed => {
            ApiError::new(ProblemKind::Conflict, err.to_string()).retry_after(CHECKPOINT_RETRY_SECS)
        }
        AuditError::Unavailable(_) => ApiError::new(
            ProblemKind::Unavailable,
            "the audit log cannot record this access right now, so nothing is served; try again shortly",
        )
        .retry_after(CHECKPOINT_RETRY_SECS),
        AuditError::Damaged(_) | AuditError::Db(_) => ApiError::internal(err),
    }
    .into_response()
}
