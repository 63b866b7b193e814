use platform::db::DbError;

use crate::model::lifecycle::TransitionError;
use crate::model::report::ReportErrors;

/// Why a disclosure operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DisclosureError {
    /// The submission or change has fields to fix (field → what to do).
    #[error("some fields need attention")]
    Invalid(ReportErrors),
    /// No report with this id or tracking link (or not one the caller may see).
    #[error("no such report")]
    NotFound,
    /// The lifecycle does not allow this change.
    #[error("{0}")]
    Transition(#[from] TransitionError),
    /// Too many reports from this address or token in the last hour.
    #[error("too many reports in the last hour; try again later")]
    RateLimited { limit: u32, retry_after_secs: u64 },
    #[error("{0}")]
    BadInput(String),
    /// The audit log could not record the access, so it did not happen.
    #[error("the audit log is unavailable")]
    AuditUnavailable,
    #[error("mail could not be queued: {0}")]
    Mail(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for DisclosureError {
    fn from(err: sqlx::Error) -> Self {
        Self::Db(err.into())
    }
}

impl From<audit::service::AuditUnavailable> for DisclosureError {
    fn from(_: audit::service::AuditUnavailable) -> Self {
        Self::AuditUnavailable
    }
}
