//! The audit log on the web: the transparency API (checkpoints, proofs, the public key, a
//! tenant's access log) and the customer's access-log page.
//!
//! Who may read is decided by identity, which this crate does not know: the routers are
//! generic over the extractor that authenticates the caller, and identity's extractors
//! implement [`LogReader`]. The tenant every query is scoped to comes from that principal
//! and nowhere else.

mod api;
mod errors;
pub mod openapi;
mod page;

use axum::Router;
use axum::extract::{FromRef, FromRequestParts};
use axum::routing::get;

use crate::AuditLog;
use crate::model::entry::Actor;

/// An authenticated caller allowed to read its own tenant's part of the log.
pub trait LogReader {
    /// Who is reading, as the log records it.
    fn actor(&self) -> Actor;
    /// The only tenant whose entries and proofs this caller may see.
    fn tenant_id(&self) -> &str;
}

/// The JSON API, for the public listener. `Token` authenticates API callers.
pub fn api_router<S, Token>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    AuditLog: FromRef<S>,
    Token: LogReader + FromRequestParts<S> + Send + 'static,
{
    Router::new()
        .route("/api/v1/audit/public-key", get(api::public_key))
        .route("/api/v1/audit/checkpoint", get(api::checkpoint::<Token>))
        .route("/api/v1/audit/proof/{index}", get(api::proof::<Token>))
        .route("/api/v1/audit/consistency", get(api::consistency::<Token>))
        .route("/api/v1/access-log", get(api::access_log::<Token>))
}

/// The customer's pages, for the public listener. `Viewer` authenticates people signed in.
pub fn pages_router<S, Viewer>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    AuditLog: FromRef<S>,
    Viewer: LogReader + FromRequestParts<S> + Send + 'static,
{
    Router::new()
        .route("/app/access-log", get(page::access_log::<Viewer>))
        .route(
            "/app/access-log/{index}/proof",
            get(page::proof_bundle::<Viewer>),
        )
}
