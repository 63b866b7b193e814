//! The middleware every listener runs, in one place and one order.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use super::headers::security_headers;
use super::observe::{ObserveContext, observe};
use super::render_errors::render_errors;
use crate::metrics::Metrics;

pub struct StackSettings {
    /// The listener's name in logs and metrics: `public`, `staff`, `metrics`, `redirect`.
    pub listener: &'static str,
    pub body_limit: usize,
    pub request_timeout: Duration,
    pub metrics: Arc<Metrics>,
}

/// Wraps `router` in, from the outside in: observability (request id, log, metrics), security
/// headers, error documents, panic catching, the request timeout and the body limits.
pub fn with_common_layers(router: Router, settings: &StackSettings) -> Router {
    let context = ObserveContext {
        listener: settings.listener,
        metrics: settings.metrics.clone(),
    };
    router
        .layer(DefaultBodyLimit::max(settings.body_limit))
        .layer(RequestBodyLimitLayer::new(settings.body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout,
        ))
        .layer(CatchPanicLayer::new())
        .layer(from_fn(render_errors))
        .layer(from_fn(security_headers))
        .layer(from_fn_with_state(context, observe))
}
