//! Turns every error response that no handler rendered on purpose (a 404 of the router, a
//! 405, an extractor's rejection, a 413 of the body limit, a caught panic) into Rampart's
//! error document: problem+json under `/api/`, the HTML error page elsewhere. Bodies of 5xx
//! answers are replaced by an opaque message; the cause has already gone to the log.

use askama::Template;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::problem::{ApiError, ProblemKind, Rendered};
use super::{ErrorPage, RequestId};

/// Rejection texts longer than this are not worth showing.
const DETAIL_LIMIT: usize = 2048;

pub(super) async fn render_errors(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default();
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    let is_error = status.is_client_error() || status.is_server_error();
    if !is_error || response.extensions().get::<Rendered>().is_some() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let kind = ProblemKind::from_status(status);
    let detail = detail_for(status, kind, &method, body).await;
    let mut rendered = if api {
        ApiError::new(kind, detail).into_response()
    } else {
        html_error(status, kind, detail, request_id)
    };
    *rendered.status_mut() = status;
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rendered.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rendered
}

/// What went wrong, in words: the rejection's own text for a 4xx, never anything for a 5xx.
async fn detail_for(status: StatusCode, kind: ProblemKind, method: &Method, body: Body) -> String {
    if status.is_server_error() {
        return match kind {
            ProblemKind::Unavailable => {
                "The service is temporarily unavailable; try again shortly".into()
            }
            _ => "The error was logged; quote the request id to support".into(),
        };
    }
    let text = to_bytes(body, DETAIL_LIMIT)
        .await
        .ok()
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned());
    match text.filter(|t| !t.is_empty()) {
        Some(text) => text,
        None => match kind {
            ProblemKind::NotFound => "There is nothing at this address".into(),
            // The router adds the `Allow` header after this layer has run.
            ProblemKind::MethodNotAllowed => {
                format!("This address does not accept {method}; see the Allow header")
            }
            ProblemKind::RequestTimeout => "The request was not completed in time".into(),
            ProblemKind::PayloadTooLarge => {
                "The request body is larger than this server accepts".into()
            }
            other => other.title().into(),
        },
    }
}

fn html_error(
    status: StatusCode,
    kind: ProblemKind,
    detail: String,
    request_id: String,
) -> Response {
    let page = ErrorPage {
        status: status.as_u16(),
        title: kind.title().to_owned(),
        detail,
        request_id,
    };
    let mut response = match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(_) => (status, "error").into_response(),
    };
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response.extensions_mut().insert(Rendered);
    response
}
