//! Bulk routes: `POST /api/v1/contacts/import` (a CSV body, spooled encrypted, imported
//! as a job), `GET /api/v1/imports/{id}` (its progress), its rejection report, and
//! `GET /api/v1/contacts/export` (a CSV stream).

use std::collections::{BTreeMap, HashMap};

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use platform::web::{ApiError, Idempotency, ProblemKind};

use super::caller::{Reader, Writer};
use super::errors::problem;
use super::json::ImportJson;
use crate::model::search::SearchInput;
use crate::service::{ImportOptions, MergePolicy, import_spool};
use crate::{Caller, Vault, VaultError};

/// Rejections listed in the status document; the report has all of them.
const REJECTIONS_SHOWN: i64 = 100;

/// Import options from the query string: `merge=skip|update`, and `column.<header>=<field>`
/// for each header whose name does not say which field it feeds.
pub(super) fn options(query: &HashMap<String, String>) -> Result<ImportOptions, ApiError> {
    let merge = match query.get("merge").map(String::as_str) {
        None | Some("") => MergePolicy::default(),
        Some(text) => MergePolicy::parse(text).ok_or_else(|| {
            ApiError::validation(BTreeMap::from([(
                "merge".to_owned(),
                "choose skip or update".to_owned(),
            )]))
        })?,
    };
    let columns = query
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("column.")?.to_owned(), v.clone())))
        .collect();
    Ok(ImportOptions { merge, columns })
}

pub async fn import(
    State(vault): State<Vault>,
    State(idempotency): State<Idempotency>,
    Writer(caller): Writer,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Result<Response, ApiError> {
    let is_csv = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("text/csv"));
    if !is_csv {
        return Err(ApiError::new(
            ProblemKind::UnsupportedMediaType,
            "send the file as the body with `Content-Type: text/csv`",
        ));
    }
    let options = options(&query)?;
    let (parts, body) = request.into_parts();
    let spooled = spool(&vault, body).await?;
    // The same file with the same options is the same request.
    let mut fingerprint = spooled.digest().to_vec();
    fingerprint.extend_from_slice(options.merge.as_str().as_bytes());
    for (header, field) in &options.columns {
        fingerprint.extend_from_slice(format!("\0{header}\0{field}").as_bytes());
    }
    let scope = format!("imports:{}:{}", caller.tenant_id, caller.actor.id);
    let answer = idempotency
        .run(&scope, &parts.headers, &fingerprint, async {
            match begin(&vault, &caller, spooled, options).await {
                Ok(status) => {
                    let location = format!("/api/v1/imports/{}", status.id);
                    (
                        StatusCode::ACCEPTED,
                        [(header::LOCATION, location)],
                        axum::Json(ImportJson::new(&status, Vec::new())),
                    )
                        .into_response()
                }
                Err(problem) => problem.into_response(),
            }
        })
        .await;
    Ok(answer)
}

/// Writes an upload to an encrypted spool file.
async fn spool(vault: &Vault, body: Body) -> Result<import_spool::Spooled, ApiError> {
    vault
        .spool_upload(body.into_data_stream())
        .await
        .map_err(|err| match err {
            import_spool::SpoolError::TooLarge(limit) => ApiError::new(
                ProblemKind::PayloadTooLarge,
                format!("the file is larger than this server accepts ({limit} bytes); split it"),
            ),
            import_spool::SpoolError::Interrupted => ApiError::new(
                ProblemKind::BadRequest,
                "the upload was interrupted or is larger than this server accepts",
            ),
            import_spool::SpoolError::Io { .. } => ApiError::internal(&err),
        })
}

/// Starts the import of a spooled upload; the first status of the job.
async fn begin(
    vault: &Vault,
    caller: &Caller,
    spooled: import_spool::Spooled,
    options: ImportOptions,
) -> Result<crate::service::ImportStatus, ApiError> {
    let reader = spooled.reader().map_err(|err| ApiError::internal(&err))?;
    let handle = vault
        .start_import(caller, reader, options)
        .await
        .map_err(problem)?;
    vault
        .import_status(caller, &handle.id)
        .await
        .map_err(problem)
}

pub async fn status(
    State(vault): State<Vault>,
    Reader(caller): Reader,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let status = vault.import_status(&caller, &id).await.map_err(problem)?;
    let rejections = vault
        .import_rejections(&caller, &id, REJECTIONS_SHOWN)
        .await
        .map_err(problem)?;
    Ok(axum::Json(ImportJson::new(&status, rejections)).into_response())
}

pub async fn rejections(
    State(vault): State<Vault>,
    Reader(caller): Reader,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    rejection_report(&vault, &caller, &id).await
}

/// The rejected rows of an import as a CSV download: line and reason.
pub(super) async fn rejection_report(
    vault: &Vault,
    caller: &Caller,
    id: &str,
) -> Result<Response, ApiError> {
    let rows = vault
        .import_rejections(caller, id, i64::MAX)
        .await
        .map_err(problem)?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(["line", "reason"]);
    for (line, reason) in rows {
        let _ = writer.write_record([line.to_string(), reason]);
    }
    let body = writer.into_inner().unwrap_or_default();
    Ok(csv_response(
        body.into(),
        &format!("{id}-rejected-rows.csv"),
    ))
}

pub async fn export(
    State(vault): State<Vault>,
    Reader(caller): Reader,
    Query(input): Query<SearchInput>,
) -> Result<Response, ApiError> {
    export_response(&vault, &caller, &input).await
}

/// The caller's contacts matching `input` as a streamed CSV download.
pub(super) async fn export_response(
    vault: &Vault,
    caller: &Caller,
    input: &SearchInput,
) -> Result<Response, ApiError> {
    let (search, _) = input
        .check()
        .map_err(|errors| problem(VaultError::Invalid(errors)))?;
    let stream = vault
        .export_contacts(caller, search)
        .await
        .map_err(problem)?;
    Ok(csv_response(Body::from_stream(stream), "contacts.csv"))
}

fn csv_response(body: Body, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}
