//! Why an identity operation refused, in terms the HTTP layer maps to a status and a message.

use std::collections::BTreeMap;
use std::time::Duration;

use platform::db::DbError;

use crate::hashing_pool::PoolError;

/// Field name → what is wrong with it, for forms and `errors` in problem documents.
pub type FieldErrors = BTreeMap<&'static str, String>;

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("some fields need attention")]
    Invalid(FieldErrors),
    #[error("the email or password is incorrect")]
    BadCredentials,
    #[error("that code is not valid; codes work once and change every 30 seconds")]
    BadCode,
    #[error("too many failed attempts for this account; wait before trying again")]
    Throttled(Duration),
    #[error("too many attempts from your address; wait before trying again")]
    RateLimited(Duration),
    #[error("too many log-ins are being checked right now; try again in a moment")]
    Busy,
    #[error("this link has expired or was already used")]
    LinkInvalid,
    #[error("confirm your email address first: we sent you a link")]
    EmailNotVerified,
    #[error("enter your password again to continue")]
    ReauthRequired,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("not found")]
    NotFound,
    #[error("internal error: {0}")]
    Internal(String),
    #[error(transparent)]
    Db(DbError),
}

impl IdentityError {
    /// A form error on one field.
    pub fn field(name: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(BTreeMap::from([(name, message.into())]))
    }
}

impl From<DbError> for IdentityError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::NotFound => Self::NotFound,
            other => Self::Db(other),
        }
    }
}

impl From<PoolError> for IdentityError {
    fn from(err: PoolError) -> Self {
        match err {
            PoolError::Busy(_) => Self::Busy,
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<platform::mail::EnqueueError> for IdentityError {
    fn from(err: platform::mail::EnqueueError) -> Self {
        match err {
            platform::mail::EnqueueError::InvalidRecipient(_) => {
                Self::field("email", "this address cannot receive mail")
            }
            platform::mail::EnqueueError::Db(err) => err.into(),
        }
    }
}
