//! The customer's access-log page, and the proof bundle of each entry as a download.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::LogReader;
use super::api::{decode_cursor, encode_cursor};
use crate::AuditLog;
use crate::model::bundle::rfc3339_millis;
use crate::model::entry::{ActorKind, Entry};
use crate::service::AuditError;
use crate::store::entries::Filter;

/// Rows per page.
const PAGE_SIZE: u32 = 50;

/// One entry as a row of the page.
struct Row {
    index: u64,
    time: String,
    actor: String,
    action: String,
    resources: String,
    /// The entry's details, or empty.
    details: String,
    ticket: String,
    grant: String,
    outcome: &'static str,
    /// Whether a signed checkpoint covers it, so its bundle can be downloaded.
    provable: bool,
}

impl Row {
    fn new(entry: &Entry, checkpointed: u64) -> Self {
        let event = &entry.event;
        let actor = match event.actor.id.as_str() {
            "" => event.actor.kind.as_str().to_owned(),
            id => format!("{} {id}", event.actor.kind.as_str()),
        };
        Self {
            index: entry.index,
            time: rfc3339_millis(entry.time),
            actor,
            action: event.action.clone(),
            resources: match event.resource_ids.as_slice() {
                [] => event.resource_kind.clone(),
                ids => format!("{} {}", event.resource_kind, ids.join(", ")),
            },
            details: event.details.clone().unwrap_or_default(),
            ticket: event.ticket_id.clone().unwrap_or_default(),
            grant: event.grant_id.clone().unwrap_or_default(),
            outcome: event.outcome.as_str(),
            provable: entry.index < checkpointed,
        }
    }
}

#[derive(Template)]
#[template(path = "access_log.html")]
struct AccessLogPage {
    staff: Vec<Row>,
    rows: Vec<Row>,
    kinds: Vec<&'static str>,
    selected_kind: String,
    next_cursor: Option<String>,
    first_page: bool,
    verifier_key: String,
    tree_size: u64,
}

#[derive(Deserialize)]
pub(super) struct PageQuery {
    actor_kind: Option<String>,
    cursor: Option<String>,
}

pub(super) async fn access_log<V: LogReader>(
    viewer: V,
    State(audit): State<AuditLog>,
    Query(query): Query<PageQuery>,
) -> Response {
    let selected = query.actor_kind.as_deref().and_then(ActorKind::parse);
    let filter = Filter {
        actor_kind: selected,
        before: query.cursor.as_deref().and_then(decode_cursor),
        ..Filter::default()
    };
    let result = audit
        .access_log_with_staff(&viewer.actor(), viewer.tenant_id(), &filter, PAGE_SIZE)
        .await;
    let checkpoint = audit.latest_checkpoint().await;
    let ((staff, page), checkpoint) = match (result, checkpoint) {
        (Ok(listed), Ok(checkpoint)) => (listed, checkpoint),
        (Err(err), _) | (_, Err(err)) => return failure(&err),
    };
    let checkpointed = checkpoint.as_ref().map_or(0, |c| c.tree_size);
    let template = AccessLogPage {
        staff: staff.iter().map(|e| Row::new(e, checkpointed)).collect(),
        rows: page
            .entries
            .iter()
            .map(|e| Row::new(e, checkpointed))
            .collect(),
        kinds: ActorKind::ALL.iter().map(|k| k.as_str()).collect(),
        selected_kind: selected.map(|k| k.as_str().to_owned()).unwrap_or_default(),
        next_cursor: page.next_before.map(encode_cursor),
        first_page: filter.before.is_none(),
        verifier_key: audit.verifier_key().to_line(),
        tree_size: checkpointed,
    };
    platform::web::render_page(StatusCode::OK, &template)
}

/// The entry's proof bundle as a file to keep and check offline.
pub(super) async fn proof_bundle<V: LogReader>(
    viewer: V,
    State(audit): State<AuditLog>,
    Path(index): Path<u64>,
) -> Response {
    match audit
        .proof_bundle(&viewer.actor(), viewer.tenant_id(), index)
        .await
    {
        Ok(bundle) => {
            let body = serde_json::to_vec_pretty(&bundle).unwrap_or_default();
            let disposition = format!("attachment; filename=\"rampart-audit-entry-{index}.json\"");
            (
                [
                    (header::CONTENT_TYPE, "application/json".to_owned()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                body,
            )
                .into_response()
        }
        Err(err) => failure(&err),
    }
}

fn failure(err: &AuditError) -> Response {
    let status = match err {
        AuditError::NotFound => StatusCode::NOT_FOUND,
        AuditError::BadRequest(_) => StatusCode::BAD_REQUEST,
        AuditError::NotYetCheckpointed | AuditError::Unavailable(_) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        AuditError::Damaged(_) | AuditError::Db(_) => {
            tracing::error!(error = %err, "the access log could not be shown");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    status.into_response()
}
