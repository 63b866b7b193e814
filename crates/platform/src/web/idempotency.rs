//! `Idempotency-Key` on POSTs that create something: a retry with the same key and the same
//! request gets the first answer (kept 24 hours) instead of creating twice; the same key on
//! a different request is refused. Answers are stored sealed by the master key.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::problem::{ApiError, ProblemKind};
use crate::clock::Clock;
use crate::crypto::MasterKey;
use crate::db::Db;
use crate::db::idempotency::{self, Claim};

/// How long an answer is kept for retries.
pub const KEPT: Duration = Duration::from_secs(24 * 3600);
/// The longest key accepted.
const MAX_KEY: usize = 255;
/// The largest answer kept; creating routes answer with one resource.
const MAX_ANSWER: usize = 1024 * 1024;

#[derive(Clone)]
pub struct Idempotency {
    db: Db,
    master_key: Arc<MasterKey>,
    clock: Arc<dyn Clock>,
}

impl Idempotency {
    pub fn new(db: Db, master_key: Arc<MasterKey>, clock: Arc<dyn Clock>) -> Self {
        Self {
            db,
            master_key,
            clock,
        }
    }

    /// Runs `create` unless the request's `Idempotency-Key` (within `scope`, say the API
    /// token) was already used for the same `request` (its canonical bytes), in which case
    /// the stored answer is returned. Without the header, `create` simply runs.
    pub async fn run<F>(
        &self,
        scope: &str,
        headers: &HeaderMap,
        request: &[u8],
        create: F,
    ) -> Response
    where
        F: Future<Output = Response>,
    {
        let Some(key) = headers.get("idempotency-key") else {
            return create.await;
        };
        let key = match key.to_str() {
            Ok(key) if !key.is_empty() && key.len() <= MAX_KEY => key.to_owned(),
            _ => {
                return ApiError::new(
                    ProblemKind::BadRequest,
                    format!("Idempotency-Key must be 1 to {MAX_KEY} visible ASCII characters"),
                )
                .into_response();
            }
        };
        let fingerprint = hex::encode(Sha256::digest(request));
        let now = self.clock.now();
        let expired_before = now.as_millis() - i64::try_from(KEPT.as_millis()).unwrap_or(0);
        let claim = idempotency::claim(
            &self.db,
            scope,
            &key,
            &fingerprint,
            now.as_millis(),
            expired_before,
        )
        .await;
        match claim {
            Ok(Claim::Fresh) => self.answer_and_keep(scope, &key, create.await).await,
            Ok(Claim::Answered {
                status,
                location,
                body,
            }) => self.replay(scope, &key, status, location, &body),
            Ok(Claim::Running) => ApiError::new(
                ProblemKind::Conflict,
                "a request with this Idempotency-Key is still running; retry in a moment",
            )
            .retry_after(1)
            .into_response(),
            Ok(Claim::Mismatch) => ApiError::new(
                ProblemKind::ValidationFailed,
                "this Idempotency-Key was used for a different request; use a new key for a new request",
            )
            .into_response(),
            Err(err) => ApiError::internal(&err).into_response(),
        }
    }

    fn context(scope: &str, key: &str) -> Vec<u8> {
        format!("idempotent answer:{scope}:{key}").into_bytes()
    }

    async fn answer_and_keep(&self, scope: &str, key: &str, response: Response) -> Response {
        let status = response.status();
        if status.is_server_error() {
            let _ = idempotency::release(&self.db, scope, key).await;
            return response;
        }
        let (parts, body) = response.into_parts();
        let Ok(bytes) = to_bytes(body, MAX_ANSWER).await else {
            let _ = idempotency::release(&self.db, scope, key).await;
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let location = parts
            .headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let sealed = self.master_key.seal(&bytes, &Self::context(scope, key));
        if let Err(err) = idempotency::complete(
            &self.db,
            scope,
            key,
            status.as_u16(),
            location.as_deref(),
            &sealed,
        )
        .await
        {
            tracing::warn!(error = %err, "an idempotent answer was not kept");
        }
        Response::from_parts(parts, Body::from(bytes))
    }

    fn replay(
        &self,
        scope: &str,
        key: &str,
        status: u16,
        location: Option<String>,
        sealed: &[u8],
    ) -> Response {
        let Ok(body) = self.master_key.open(sealed, &Self::context(scope, key)) else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        let headers = response.headers_mut();
        let content_type = if status >= 400 {
            "application/problem+json"
        } else {
            "application/json"
        };
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
        if let Some(value) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            headers.insert(header::LOCATION, value);
        }
        response
    }
}
