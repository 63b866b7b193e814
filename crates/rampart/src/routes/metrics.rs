//! `/metrics` in the OpenMetrics text format.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;

pub(super) async fn render(State(state): State<AppState>) -> Response {
    let (open, idle) = state.db.pool_usage();
    state.metrics.set_pool(open, idle);
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    (
        [(header::CONTENT_TYPE, content_type)],
        state.metrics.render(),
    )
        .into_response()
}
