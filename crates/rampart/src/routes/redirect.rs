//! The plain-HTTP listener's only answer: 308 to the same path and query over HTTPS.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

pub(super) async fn to_https(State(public_url): State<Arc<str>>, request: Request) -> Response {
    // Only the path and query are taken from the request, never its Host header, so the
    // redirect cannot be pointed at another site.
    let path = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let location = format!("{public_url}{path}");
    (
        StatusCode::PERMANENT_REDIRECT,
        [(header::LOCATION, location)],
    )
        .into_response()
}
