//! From identity's results to HTTP: pages, re-shown forms with what went wrong, and problem
//! documents for the API. The whole mapping of [`IdentityError`] to status codes is here.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use platform::web::{ApiError, ProblemKind};

use crate::IdentityError;
use crate::service::FieldErrors;

/// What a form shows above and beside its fields after a refusal.
#[derive(Debug, Default)]
pub(super) struct FormState {
    pub message: Option<String>,
    pub errors: FieldErrors,
}

impl FormState {
    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

/// A refusal, ready to be shown on the form that caused it.
#[derive(Debug)]
pub(super) struct Failure {
    pub status: StatusCode,
    pub form: FormState,
    pub retry_after: Option<u64>,
}

pub(super) fn failure(err: IdentityError) -> Failure {
    let (status, retry_after) = status_of(&err);
    let form = match err {
        IdentityError::Invalid(errors) => FormState {
            message: Some("Some fields need attention.".into()),
            errors,
        },
        IdentityError::Internal(_) | IdentityError::Db(_) => {
            tracing::error!(error = %err, "identity operation failed");
            FormState {
                message: Some("Something went wrong on our side. Try again in a moment.".into()),
                ..FormState::default()
            }
        }
        other => FormState {
            message: Some(sentence(&other.to_string())),
            ..FormState::default()
        },
    };
    Failure {
        status,
        form,
        retry_after,
    }
}

/// The status of each refusal, and the wait to announce in `Retry-After`.
fn status_of(err: &IdentityError) -> (StatusCode, Option<u64>) {
    let secs = |d: &std::time::Duration| d.as_secs().max(1);
    match err {
        IdentityError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, None),
        IdentityError::BadCredentials
        | IdentityError::BadCode
        | IdentityError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, None),
        IdentityError::Throttled(wait) | IdentityError::RateLimited(wait) => {
            (StatusCode::TOO_MANY_REQUESTS, Some(secs(wait)))
        }
        IdentityError::Busy => (StatusCode::SERVICE_UNAVAILABLE, Some(1)),
        IdentityError::LinkInvalid => (StatusCode::GONE, None),
        IdentityError::EmailNotVerified | IdentityError::ReauthRequired => {
            (StatusCode::FORBIDDEN, None)
        }
        IdentityError::Forbidden(_) => (StatusCode::FORBIDDEN, None),
        IdentityError::NotFound => (StatusCode::NOT_FOUND, None),
        IdentityError::Internal(_) | IdentityError::Db(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, None)
        }
    }
}

/// An error message as a sentence: capital first letter, final full stop.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// The problem document of a refusal, for the API.
pub(super) fn identity_problem(err: &IdentityError) -> ApiError {
    let (status, retry_after) = status_of(err);
    let problem = match err {
        IdentityError::Invalid(errors) => ApiError::validation(
            errors
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        ),
        IdentityError::Internal(_) | IdentityError::Db(_) => ApiError::internal(err),
        IdentityError::NotFound => {
            ApiError::new(ProblemKind::NotFound, "There is nothing at this address")
        }
        other => ApiError::new(ProblemKind::from_status(status), other.to_string()),
    };
    match retry_after {
        Some(secs) => problem.retry_after(secs),
        None => problem,
    }
}

/// A rendered page with status 200.
pub(super) fn page(template: &impl Template) -> Response {
    page_with_status(StatusCode::OK, template)
}

/// A rendered page with `status`, left alone by the error-page middleware.
pub(super) fn page_with_status(status: StatusCode, template: &impl Template) -> Response {
    platform::web::render_page(status, template)
}

/// Re-shows a form after a refusal, with the status and `Retry-After` that fit it.
pub(super) fn refused<T: Template>(
    failure: Failure,
    build: impl FnOnce(FormState) -> T,
) -> Response {
    let status = failure.status;
    let retry_after = failure.retry_after;
    let mut response = page_with_status(status, &build(failure.form));
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// After a successful form post: go to `path` with a GET.
pub(super) fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}
