//! The vault on the web: the contacts API (bearer tokens with the `contacts:*` scopes) and
//! the contacts pages (signed-in members). Handlers are thin: `caller` turns the
//! authenticated principal into a [`crate::Caller`], one `Vault` call does the work,
//! `errors` maps the outcome.

mod api;
mod caller;
mod errors;
mod imports_api;
mod json;
pub mod openapi;
mod pages;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use identity::Identity;

use crate::Vault;

/// Routes whose bodies are uploaded files, which get the upload limit instead of the body
/// limit.
pub const UPLOAD_PATHS: &[&str] = &["/api/v1/contacts/import", "/app/contacts/import"];

/// The contacts API, for the public listener.
pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Vault: FromRef<S>,
    Identity: FromRef<S>,
    platform::web::Idempotency: FromRef<S>,
{
    Router::new()
        .route("/api/v1/contacts", get(api::list).post(api::create))
        .route("/api/v1/contacts/export", get(imports_api::export))
        .route("/api/v1/contacts/import", post(imports_api::import))
        .route(
            "/api/v1/contacts/{id}",
            get(api::read).patch(api::update).delete(api::delete),
        )
        .route("/api/v1/imports/{id}", get(imports_api::status))
        .route(
            "/api/v1/imports/{id}/rejections",
            get(imports_api::rejections),
        )
        .route(
            "/api/v1/contact-fields",
            get(api::list_fields).post(api::define_field),
        )
        .route(
            "/api/v1/contact-fields/{name}",
            axum::routing::delete(api::delete_field),
        )
}

/// The contacts pages, for the public listener, inside its CSRF-checked forms router.
pub fn pages_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Vault: FromRef<S>,
    Identity: FromRef<S>,
{
    pages::router()
}
