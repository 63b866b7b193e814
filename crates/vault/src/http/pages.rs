//! The contacts pages.

use axum::Router;
use axum::extract::FromRef;
use identity::Identity;

use crate::Vault;

pub(super) fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Vault: FromRef<S>,
    Identity: FromRef<S>,
{
    Router::new()
}
