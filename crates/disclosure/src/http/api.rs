//! The intake API. `POST /api/v1/reports` takes a report from anyone (rate-limited by
//! address) or from a token with `reports:write` (rate-limited by token); the answer holds
//! the private tracking link, shown once. `GET /api/v1/reports/{id}` answers the token
//! that sent the report, and no one else.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use identity::http::ApiCaller;
use identity::model::scope::Scope;
use identity::service::TokenPrincipal;
use platform::web::{ApiError, ApiJson, Idempotency, ProblemKind};
use serde::Serialize;

use crate::model::report::ReportInput;
use crate::service::{ReportView, Submitter};
use crate::{Disclosure, DisclosureError};

/// A caller of the intake API: a token with `reports:write`, or no `Authorization` at all.
/// A token that is sent must be valid and carry the scope.
pub(super) struct Reporter(Option<TokenPrincipal>);

impl<S> FromRequestParts<S> for Reporter
where
    S: Send + Sync,
    identity::Identity: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(Self(None));
        }
        let ReportsToken(token) = ReportsToken::from_request_parts(parts, state).await?;
        Ok(Self(Some(token)))
    }
}

/// A token with `reports:write`: the only way to follow a report sent through the API.
pub(super) struct ReportsToken(TokenPrincipal);

impl<S> FromRequestParts<S> for ReportsToken
where
    S: Send + Sync,
    identity::Identity: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let ApiCaller(token) = ApiCaller::from_request_parts(parts, state).await?;
        if token.require(Scope::ReportsWrite).is_err() {
            return Err(ApiError::new(
                ProblemKind::Forbidden,
                "this token lacks the reports:write scope; create one with it on /account/security (a new report may also be sent without a token)",
            )
            .into_response());
        }
        Ok(Self(token))
    }
}

#[derive(Serialize)]
struct ReportJson {
    id: String,
    title: String,
    class: String,
    state: &'static str,
    severity: Option<&'static str>,
    submitted_at: String,
    first_response_due: String,
    triage_due: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    tracking_url: Option<String>,
}

impl ReportJson {
    fn of(report: &ReportView, tracking_url: Option<String>) -> Self {
        Self {
            id: report.id.clone(),
            title: report.title.clone(),
            class: report.class.clone(),
            state: report.state.as_str(),
            severity: report.severity.map(|s| s.as_str()),
            submitted_at: report.submitted_at.rfc3339(),
            first_response_due: report.first_response.due.rfc3339(),
            triage_due: report.triage.due.rfc3339(),
            tracking_url,
        }
    }
}

pub(super) async fn submit(
    State(disclosure): State<Disclosure>,
    State(idempotency): State<Idempotency>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Reporter(token): Reporter,
    headers: HeaderMap,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Response {
    let request = body.to_string();
    let input: ReportInput = match serde_json::from_value(body) {
        Ok(input) => input,
        Err(err) => {
            return ApiError::new(
                ProblemKind::BadRequest,
                format!(
                    "the report's fields have the wrong types: {}",
                    kind_of(&err)
                ),
            )
            .into_response();
        }
    };
    let (scope, submitter) = match &token {
        Some(token) => (
            format!("reports:{}", token.token_id),
            Submitter::Token {
                user_id: token.user_id.clone(),
                token_id: token.token_id.clone(),
            },
        ),
        None => (
            format!("reports:anonymous:{}", peer.ip()),
            Submitter::Anonymous {
                ip: Some(peer.ip()),
            },
        ),
    };
    idempotency
        .run(&scope, &headers, request.as_bytes(), async {
            match disclosure.submit(input, submitter).await {
                Ok(sent) => {
                    let url = disclosure.tracking_url(&sent.tracking_secret);
                    (
                        StatusCode::CREATED,
                        [
                            (
                                header::LOCATION,
                                format!("/api/v1/reports/{}", sent.report.id),
                            ),
                            (header::CACHE_CONTROL, "no-store".to_owned()),
                        ],
                        axum::Json(ReportJson::of(&sent.report, Some(url))),
                    )
                        .into_response()
                }
                Err(err) => problem(err),
            }
        })
        .await
}

pub(super) async fn get(
    State(disclosure): State<Disclosure>,
    ReportsToken(token): ReportsToken,
    Path(id): Path<String>,
) -> Response {
    match disclosure
        .report_for_token(&token.token_id, &token.user_id, &id)
        .await
    {
        Ok(report) => axum::Json(ReportJson::of(&report, None)).into_response(),
        Err(err) => problem(err),
    }
}

/// What kind of JSON mistake, without the value that caused it.
fn kind_of(err: &serde_json::Error) -> &'static str {
    if err.is_data() {
        "a field has the wrong type (texts are strings, accepted_rules is true or false)"
    } else {
        "the body is not a JSON object"
    }
}

/// 429 with `Retry-After` and the limit in `RateLimit-*` headers.
fn rate_limited(limit: u32, retry_after_secs: u64) -> Response {
    let mut response = ApiError::new(
        ProblemKind::RateLimited,
        format!("at most {limit} reports an hour are accepted from one address or token; try again later"),
    )
    .retry_after(retry_after_secs)
    .into_response();
    let headers = response.headers_mut();
    headers.insert("ratelimit-limit", limit.into());
    headers.insert("ratelimit-remaining", 0u32.into());
    headers.insert("ratelimit-reset", retry_after_secs.into());
    headers.insert(
        "ratelimit-policy",
        format!("{limit};w=3600")
            .parse()
            .unwrap_or_else(|_| 0u32.into()),
    );
    response
}

fn problem(err: DisclosureError) -> Response {
    let api_error = match err {
        DisclosureError::Invalid(errors) => ApiError::validation(errors.into_inner()),
        DisclosureError::NotFound => ApiError::new(
            ProblemKind::NotFound,
            "no report with this id was sent with this token",
        ),
        DisclosureError::Transition(err) => ApiError::new(ProblemKind::Conflict, err.to_string()),
        DisclosureError::BadInput(message) => ApiError::new(ProblemKind::BadRequest, message),
        DisclosureError::RateLimited {
            limit,
            retry_after_secs,
        } => {
            return rate_limited(limit, retry_after_secs);
        }
        DisclosureError::AuditUnavailable => ApiError::new(
            ProblemKind::Unavailable,
            "the audit log cannot record this right now; try again shortly",
        )
        .retry_after(1),
        DisclosureError::Db(platform::db::DbError::Unavailable(err)) => {
            tracing::warn!(error = %err, "database unavailable");
            ApiError::new(
                ProblemKind::Unavailable,
                "the database is busy; try again shortly",
            )
            .retry_after(1)
        }
        err @ (DisclosureError::Db(_) | DisclosureError::Mail(_)) => ApiError::internal(&err),
    };
    api_error.into_response()
}

#[derive(serde::Deserialize)]
pub(super) struct AttachmentName {
    #[serde(default)]
    filename: String,
}

#[derive(Serialize)]
struct AttachmentJson {
    id: String,
    filename: String,
    size: i64,
}

/// `POST /api/v1/reports/{id}/attachments?filename=…`: the body is the file, as is.
pub(super) async fn attach(
    State(disclosure): State<Disclosure>,
    ReportsToken(token): ReportsToken,
    Path(id): Path<String>,
    axum::extract::Query(name): axum::extract::Query<AttachmentName>,
    body: axum::body::Bytes,
) -> Response {
    let holder = crate::service::Holder::Token {
        token_id: &token.token_id,
        user_id: &token.user_id,
        report_id: &id,
    };
    match disclosure.attach(holder, &name.filename, &body).await {
        Ok(info) => (
            StatusCode::CREATED,
            axum::Json(AttachmentJson {
                id: info.id,
                filename: info.filename,
                size: info.size,
            }),
        )
            .into_response(),
        Err(err) => problem(err),
    }
}
