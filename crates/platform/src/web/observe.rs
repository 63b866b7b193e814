//! Per-request observability: a request id on every request and response, a log span that
//! carries it, one log line per request, and the request metrics.
//!
//! The log line names the route template (`/password/reset/{token}`), never the path of a
//! matched route nor any query string: one-time links carry their secret in the path. Only
//! an unmatched request logs its path (without query), to help find broken links.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::ids::new_id;
use crate::metrics::Metrics;

const HEADER: &str = "x-request-id";

/// The id of the request being served, in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

#[derive(Clone)]
pub(super) struct ObserveContext {
    pub(super) listener: &'static str,
    pub(super) metrics: Arc<Metrics>,
}

/// A caller's own id is kept when it is short and plain, so it cannot forge log lines.
fn accept_incoming(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    let plain = (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    plain.then(|| text.to_owned())
}

pub(super) async fn observe(
    State(context): State<ObserveContext>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(HEADER)
        .and_then(accept_incoming)
        .unwrap_or_else(|| new_id("req"));
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = request.method().clone();
    let unmatched_path = (route == "unmatched").then(|| request.uri().path().to_owned());
    request.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id, listener = context.listener, method = %method, route = %route);
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| match &unmatched_path {
        Some(path) => tracing::info!(status, path = %path, latency_ms, "served"),
        None => tracing::info!(status, latency_ms, "served"),
    });
    context
        .metrics
        .observe_request(context.listener, method.as_str(), &route, status, elapsed);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}
