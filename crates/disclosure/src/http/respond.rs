//! Answers shared by the pages: rendered templates, the CSRF token, the form state after a
//! refusal, and errors as the error page shows them.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::DisclosureError;

/// A rendered page, left alone by the error-page middleware.
pub(super) fn page(status: StatusCode, template: &impl Template) -> Response {
    platform::web::render_page(status, template)
}

/// A refusal no form shows, as the error page (written by the error-page middleware from
/// the status and this text; 5xx texts are replaced by an opaque one).
pub(super) fn failure(err: DisclosureError) -> Response {
    let (status, text) = match err {
        DisclosureError::NotFound => (
            StatusCode::NOT_FOUND,
            "There is no report at this address, or its link was replaced or revoked".to_owned(),
        ),
        DisclosureError::Invalid(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errors
                .iter()
                .next()
                .map_or_else(String::new, |(field, message)| {
                    format!("{field}: {message}")
                }),
        ),
        DisclosureError::Transition(err) => (StatusCode::CONFLICT, err.to_string()),
        DisclosureError::BadInput(message) => (StatusCode::BAD_REQUEST, message),
        DisclosureError::RateLimited {
            retry_after_secs, ..
        } => {
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many reports from here in the last hour; try again later",
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            return response;
        }
        DisclosureError::AuditUnavailable => return unavailable(),
        DisclosureError::Db(platform::db::DbError::Unavailable(err)) => {
            tracing::warn!(error = %err, "database unavailable");
            return unavailable();
        }
        DisclosureError::Db(_) | DisclosureError::Mail(_) => {
            tracing::error!(error = %err, "a disclosure page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, String::new())
        }
    };
    (status, text).into_response()
}

fn unavailable() -> Response {
    let mut response = StatusCode::SERVICE_UNAVAILABLE.into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}
