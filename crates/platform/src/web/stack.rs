//! The middleware every listener runs, in one place and one order.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, Limited};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

use super::headers::security_headers;
use super::observe::{ObserveContext, observe};
use super::render_errors::render_errors;
use crate::metrics::Metrics;

pub struct StackSettings {
    /// The listener's name in logs and metrics: `public`, `staff`, `metrics`, `redirect`.
    pub listener: &'static str,
    pub body_limit: usize,
    /// Routes that take files, and the larger limit their bodies get.
    pub uploads: Uploads,
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
    let limits = BodyLimits {
        body: settings.body_limit,
        uploads: settings.uploads.clone(),
    };
    router
        .layer(DefaultBodyLimit::max(settings.body_limit))
        .layer(from_fn_with_state(limits, limit_bodies))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout,
        ))
        .layer(CatchPanicLayer::new())
        .layer(from_fn(render_errors))
        .layer(from_fn(security_headers))
        .layer(from_fn_with_state(context, observe))
}

/// The routes that take files (exact paths) and the limit of their bodies.
#[derive(Debug, Clone, Default)]
pub struct Uploads {
    pub paths: Arc<[&'static str]>,
    pub limit: usize,
}

#[derive(Clone)]
struct BodyLimits {
    body: usize,
    uploads: Uploads,
}

/// Refuses a body whose declared length is over the route's limit with 413 before reading
/// it, and cuts off one that grows past it while streaming.
async fn limit_bodies(State(limits): State<BodyLimits>, request: Request, next: Next) -> Response {
    let limit = if limits.uploads.paths.contains(&request.uri().path()) {
        limits.uploads.limit
    } else {
        limits.body
    };
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::Body::new(Limited::new(body, limit).map_err(axum::Error::new));
    next.run(Request::from_parts(parts, body)).await
}
