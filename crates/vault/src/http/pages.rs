//! The contacts pages, for signed-in members: the list with its search, a contact's page,
//! the forms that create and edit one, the CSV export, and the import in three steps
//! (upload the file, map its columns, watch it run). Handlers are thin: `Member` gives the
//! caller, one `Vault` call does the work, and a page or a redirect answers.

mod contact_form;
mod contacts;
mod fields;
mod import;

use askama::Template;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use identity::Identity;
use platform::web::{ApiError, ProblemKind};

use crate::model::FieldErrors;
use crate::service::uploads::PendingUploads;
use crate::{Vault, VaultError};

pub(super) fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Vault: FromRef<S>,
    Identity: FromRef<S>,
{
    Router::new()
        .route("/app/contacts", get(contacts::list).post(contacts::create))
        .route("/app/contacts/new", get(contacts::new))
        .route("/app/contacts/export", get(contacts::export))
        .route(
            "/app/contacts/fields",
            get(fields::list).post(fields::define),
        )
        .route("/app/contacts/fields/{name}/delete", post(fields::remove))
        .route(
            "/app/contacts/import",
            // The body limit of uploads applies instead (`UPLOAD_PATHS`).
            get(import::upload_form)
                .post(import::upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/app/contacts/import/{upload_id}",
            get(import::mapping).post(import::start),
        )
        .route("/app/contacts/imports/{id}", get(import::progress))
        .route(
            "/app/contacts/imports/{id}/rejections.csv",
            get(import::rejections),
        )
        .route(
            "/app/contacts/{id}",
            get(contacts::show).post(contacts::update),
        )
        .route("/app/contacts/{id}/edit", get(contacts::edit))
        .route("/app/contacts/{id}/delete", post(contacts::delete))
        .layer(Extension(PendingUploads::new()))
}

/// `first`'s errors, then those of `then` for the fields `first` says nothing about.
pub(super) fn merged(first: FieldErrors, then: FieldErrors) -> FieldErrors {
    let mut all = first;
    for (field, message) in then.into_map() {
        all.insert(field, message);
    }
    all
}

/// A rendered page, left alone by the error-page middleware.
pub(super) fn page(status: StatusCode, template: &impl Template) -> Response {
    platform::web::render_page(status, template)
}

/// After a form that worked: the next page, with a GET.
pub(super) fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// A refusal that no form can show, as the error page (the error-page middleware writes it
/// from the status and this text; 5xx texts are replaced by an opaque one).
pub(super) fn failure(err: VaultError) -> Response {
    let (status, text) = match err {
        VaultError::NotFound => (
            StatusCode::NOT_FOUND,
            "There is no contact or import with this address in your organisation".to_owned(),
        ),
        VaultError::Invalid(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errors.first().map_or_else(String::new, |(field, message)| {
                format!("{field}: {message}")
            }),
        ),
        VaultError::Conflict(message) => (StatusCode::CONFLICT, message),
        VaultError::BadInput(message) => (StatusCode::BAD_REQUEST, message),
        VaultError::AuditUnavailable => return unavailable(),
        VaultError::Db(platform::db::DbError::Unavailable(err)) => {
            tracing::warn!(error = %err, "database unavailable");
            return unavailable();
        }
        VaultError::Key(_) | VaultError::Db(_) | VaultError::Storage(_) => {
            tracing::error!(error = %err, "a contacts page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, String::new())
        }
    };
    (status, text).into_response()
}

/// An error of the helpers shared with the API, as the error page.
pub(super) fn api_failure(err: &ApiError) -> Response {
    match err.kind() {
        ProblemKind::Unavailable => unavailable(),
        kind => (kind.status(), kind.title()).into_response(),
    }
}

fn unavailable() -> Response {
    let mut response = StatusCode::SERVICE_UNAVAILABLE.into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}
