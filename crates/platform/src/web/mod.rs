//! The web kit shared by every listener: the connection loop, the middleware stack
//! (request ids, security headers, limits, error documents, metrics), the error type of the
//! API, the page layout and the static assets.

mod assets;
pub mod csrf;
mod form_state;
mod headers;
pub mod idempotency;
mod json;
mod observe;
pub mod problem;
mod problem_pages;
mod render_errors;
mod server;
mod stack;
mod trust;

#[cfg(test)]
mod tests;

pub use assets::assets_router;
pub use csrf::{CsrfGuard, CsrfToken, csrf_protect};
pub use form_state::FormState;
pub use headers::security_headers;
pub use idempotency::Idempotency;
pub use json::ApiJson;
pub use observe::RequestId;
pub use problem::{ApiError, ProblemKind, Rendered, render_page};
pub use problem_pages::problem_pages_router;
pub use server::{ServeOptions, serve};
pub use stack::{StackSettings, Uploads, with_common_layers};
pub use trust::TrustSection;

/// The page shown for an error outside the API.
#[derive(askama::Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub title: String,
    pub detail: String,
    pub request_id: String,
}
