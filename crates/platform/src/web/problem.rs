//! Errors of the JSON API as `application/problem+json` (RFC 9457), and the one table that
//! maps each kind of mistake to its status, stable `type` and title.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Every kind of error Rampart answers with. The same mistake has the same kind everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    BadRequest,
    MalformedJson,
    ValidationFailed,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    RequestTimeout,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    Internal,
    Unavailable,
}

impl ProblemKind {
    /// The status, the stable slug of the `type` URI, and the title of each kind.
    pub fn describe(self) -> (StatusCode, &'static str, &'static str) {
        use StatusCode as S;
        match self {
            Self::BadRequest => (S::BAD_REQUEST, "bad-request", "The request is not valid"),
            Self::MalformedJson => (
                S::BAD_REQUEST,
                "malformed-json",
                "The body is not valid JSON",
            ),
            Self::ValidationFailed => (
                S::UNPROCESSABLE_ENTITY,
                "validation-failed",
                "Some fields are not valid",
            ),
            Self::Unauthorized => (
                S::UNAUTHORIZED,
                "unauthorized",
                "Authentication is required",
            ),
            Self::Forbidden => (S::FORBIDDEN, "forbidden", "You are not allowed to do this"),
            Self::NotFound => (S::NOT_FOUND, "not-found", "Not found"),
            Self::MethodNotAllowed => (
                S::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            Self::RequestTimeout => (
                S::REQUEST_TIMEOUT,
                "request-timeout",
                "The request took too long",
            ),
            Self::Conflict => (S::CONFLICT, "conflict", "This conflicts with existing data"),
            Self::PayloadTooLarge => (
                S::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "The body is too large",
            ),
            Self::UnsupportedMediaType => (
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported content type",
            ),
            Self::RateLimited => (S::TOO_MANY_REQUESTS, "rate-limited", "Too many requests"),
            Self::Internal => (
                S::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong on our side",
            ),
            Self::Unavailable => (
                S::SERVICE_UNAVAILABLE,
                "unavailable",
                "Temporarily unavailable",
            ),
        }
    }

    /// Every kind, for the `/problems` pages.
    pub const ALL: [Self; 14] = [
        Self::BadRequest,
        Self::MalformedJson,
        Self::ValidationFailed,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::RequestTimeout,
        Self::Conflict,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::RateLimited,
        Self::Internal,
        Self::Unavailable,
    ];

    /// What the mistake is and what a client should do about it, for the page its `type`
    /// URI points to.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::BadRequest => {
                "The request could not be understood: a path segment, query parameter or header is malformed. The detail names what was wrong. Fix the request before sending it again."
            }
            Self::MalformedJson => {
                "The body is not valid JSON (or not valid UTF-8). The detail gives the line and column where parsing stopped."
            }
            Self::ValidationFailed => {
                "The body is valid JSON, but some fields are missing, of the wrong type or out of range. The `errors` member maps each field to what is wrong with it."
            }
            Self::Unauthorized => {
                "No valid credentials came with the request. API clients send `Authorization: Bearer rmp_…`; pages need you to log in."
            }
            Self::Forbidden => {
                "The credentials are valid but do not allow this action, for instance a token without the required scope."
            }
            Self::NotFound => {
                "Nothing exists at this address, or it belongs to someone else: Rampart answers both the same way so that ids cannot be probed."
            }
            Self::MethodNotAllowed => {
                "The address exists but does not accept this HTTP method. The `Allow` header lists the methods it accepts."
            }
            Self::RequestTimeout => {
                "The request was not completed within the server's time limit. Send it again; if it keeps happening, send less at once."
            }
            Self::Conflict => {
                "The request conflicts with the current state of the data: a duplicate of something that must be unique, or something not ready yet, such as the proof of an audit entry that no signed checkpoint covers so far. Read the current state and decide again, or ask again after the seconds in `Retry-After` when it is given."
            }
            Self::PayloadTooLarge => {
                "The body is larger than this server accepts. Send less at once, or use the bulk endpoints where they exist."
            }
            Self::UnsupportedMediaType => {
                "The body's `Content-Type` is not one this address accepts; JSON endpoints need `application/json`."
            }
            Self::RateLimited => {
                "Too many requests in a short time. Wait for the number of seconds in `Retry-After` before trying again."
            }
            Self::Internal => {
                "Something failed on the server's side. It was logged; quote the `x-request-id` of the response to support."
            }
            Self::Unavailable => {
                "The service cannot answer right now, for instance while it is at capacity. Wait for `Retry-After` and try again."
            }
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.describe().1 == slug)
    }

    /// The kind of an error response produced by the HTTP stack rather than by a handler.
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            408 => Self::RequestTimeout,
            409 => Self::Conflict,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            422 => Self::ValidationFailed,
            429 => Self::RateLimited,
            503 => Self::Unavailable,
            500..=599 => Self::Internal,
            _ => Self::BadRequest,
        }
    }

    pub fn status(self) -> StatusCode {
        self.describe().0
    }

    pub fn type_uri(self) -> String {
        format!("/problems/{}", self.describe().1)
    }

    pub fn title(self) -> &'static str {
        self.describe().2
    }
}

/// Marks a response whose error body was written on purpose, so the error-document
/// middleware leaves it alone.
#[derive(Debug, Clone, Copy)]
pub struct Rendered;

/// A page rendered from `template` with `status`, marked [`Rendered`] so the error-page
/// middleware leaves it alone; a template that fails to render is logged and answers 500.
pub fn render_page(status: StatusCode, template: &impl askama::Template) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = (status, axum::response::Html(html)).into_response();
            response.extensions_mut().insert(Rendered);
            response
        }
        Err(err) => {
            tracing::error!(error = %err, "a page could not be rendered");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// An API error, rendered as a problem document.
#[derive(Debug)]
pub struct ApiError {
    kind: ProblemKind,
    detail: String,
    errors: BTreeMap<String, String>,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            errors: BTreeMap::new(),
            retry_after_secs: None,
        }
    }

    /// A 422 naming each field and what is wrong with it.
    pub fn validation(errors: BTreeMap<String, String>) -> Self {
        let detail = format!("{} field(s) are not valid; see `errors`", errors.len());
        Self {
            errors,
            ..Self::new(ProblemKind::ValidationFailed, detail)
        }
    }

    /// A 5xx whose cause goes to the log, never to the client.
    pub fn internal(cause: &dyn std::error::Error) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            ProblemKind::Internal,
            "The error was logged; quote the request id to support",
        )
    }

    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    pub fn kind(&self) -> ProblemKind {
        self.kind
    }
}

#[derive(Serialize)]
struct ProblemBody<'a> {
    #[serde(rename = "type")]
    type_uri: String,
    title: &'static str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    errors: &'a BTreeMap<String, String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ProblemBody {
            type_uri: self.kind.type_uri(),
            title: self.kind.title(),
            status: self.kind.status().as_u16(),
            detail: &self.detail,
            errors: &self.errors,
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut response = (self.kind.status(), json).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response.extensions_mut().insert(Rendered);
        response
    }
}
