//! The request an entry comes from: its id and the client's address.
//!
//! Every feature records entries deep inside its operations, far from the HTTP request; rather
//! than threading the request id and address through every signature, the [`capture`] layer
//! puts them in a task-local for the duration of the request, the way a tracing span carries
//! its fields. Outside a request (the CLI, background jobs) both are absent.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use platform::web::RequestId;

tokio::task_local! {
    static CURRENT: RequestMeta;
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

impl RequestMeta {
    /// The request being served by this task, if any.
    pub fn current() -> Self {
        CURRENT.try_with(Clone::clone).unwrap_or_default()
    }

    /// Runs `future` as part of this request.
    pub async fn scope<F: Future>(self, future: F) -> F::Output {
        CURRENT.scope(self, future).await
    }
}

/// Middleware: the rest of the request runs with its [`RequestMeta`] set.
pub async fn capture(request: Request, next: Next) -> Response {
    let meta = RequestMeta {
        request_id: request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.0.clone()),
        client_ip: request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip().to_string()),
    };
    meta.scope(next.run(request)).await
}
