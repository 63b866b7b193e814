//! The import in three steps: the upload, whose file is spooled and its first line read; the
//! mapping of each column to a field, while the upload waits in [`PendingUploads`]; and the
//! job's progress, then its counts and the rows it refused.

use platform::web::{CsrfToken, FormState};
use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Form};

use super::contact_form::channel_label;
use super::{api_failure, failure, page, see_other};
use crate::http::caller::Member;
use crate::http::imports_api::rejection_report;
use crate::model::FieldErrors;
use crate::model::contact::FieldDefinitions;
use crate::model::import::{ChannelTarget, Target};
use crate::service::import_spool::{SpoolError, Spooled};
use crate::service::uploads::{HeldUpload, KEPT_FOR, PendingUploads};
use crate::service::{ImportOptions, ImportStatus, MergePolicy};
use crate::{Vault, VaultError};

/// Rejected rows listed on the progress page; the download has all of them.
const REJECTIONS_SHOWN: i64 = 20;

#[derive(Template)]
#[template(path = "import_upload.html")]
struct UploadPage {
    csrf: String,
    form: FormState,
    merge: &'static str,
    kept_minutes: u64,
}

impl UploadPage {
    fn new(csrf: String, form: FormState, merge: MergePolicy) -> Self {
        Self {
            csrf,
            form,
            merge: merge.as_str(),
            kept_minutes: KEPT_FOR.as_secs() / 60,
        }
    }
}

/// The upload form again, saying why.
fn upload_refused(csrf: String, status: StatusCode, message: &str, merge: MergePolicy) -> Response {
    let mut errors = FieldErrors::new();
    errors.insert("file", message);
    page(
        status,
        &UploadPage::new(csrf, FormState::refused(errors.into_map()), merge),
    )
}

/// The answer for an upload this node does not hold (expired, pushed out, someone else's).
fn expired(csrf: String) -> Response {
    let message = "this upload is no longer waiting for its columns; choose the file again";
    upload_refused(csrf, StatusCode::NOT_FOUND, message, MergePolicy::default())
}

pub(super) async fn upload_form(Member(_): Member, CsrfToken(csrf): CsrfToken) -> Response {
    let template = UploadPage::new(csrf, FormState::default(), MergePolicy::default());
    page(StatusCode::OK, &template)
}

pub(super) async fn upload(
    State(vault): State<Vault>,
    Extension(uploads): Extension<PendingUploads>,
    Member(caller): Member,
    CsrfToken(csrf): CsrfToken,
    multipart: Multipart,
) -> Response {
    let (spooled, merge) = match read_upload(&vault, multipart).await {
        Ok(read) => read,
        Err((status, message, merge)) => return upload_refused(csrf, status, &message, merge),
    };
    match uploads.hold(&vault, &caller, spooled, merge).await {
        Ok(held) => see_other(&format!("/app/contacts/import/{}", held.id)),
        Err(VaultError::Invalid(errors)) => {
            let template = UploadPage::new(csrf, FormState::refused(errors.into_map()), merge);
            page(StatusCode::UNPROCESSABLE_ENTITY, &template)
        }
        Err(err) => failure(err),
    }
}

type UploadRefusal = (StatusCode, String, MergePolicy);

/// Spools the `file` field and reads the `merge` field, or says why not.
async fn read_upload(
    vault: &Vault,
    mut multipart: Multipart,
) -> Result<(Spooled, MergePolicy), UploadRefusal> {
    let mut merge = MergePolicy::default();
    let mut spooled = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) => {
                let message = "the upload was interrupted or is larger than this server accepts";
                return Err((err.status(), message.into(), merge));
            }
        };
        match field.name() {
            Some("merge") => {
                let text = field.text().await.unwrap_or_default();
                merge = MergePolicy::parse(&text).unwrap_or_default();
            }
            Some("file") if field.file_name().is_some_and(|name| !name.is_empty()) => {
                let written = vault.spool_upload(field).await;
                spooled = Some(written.map_err(|err| spool_refusal(&err, merge))?);
            }
            _ => {}
        }
    }
    match spooled {
        Some(spooled) => Ok((spooled, merge)),
        None => Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            "choose a CSV file".into(),
            merge,
        )),
    }
}

fn spool_refusal(err: &SpoolError, merge: MergePolicy) -> UploadRefusal {
    let (status, message) = match err {
        SpoolError::TooLarge(limit) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the file is larger than this server accepts ({limit} bytes); split it"),
        ),
        SpoolError::Interrupted => (
            StatusCode::BAD_REQUEST,
            "the upload was interrupted or is larger than this server accepts".into(),
        ),
        SpoolError::Io { .. } => {
            tracing::error!(error = %err, "an upload could not be spooled");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the file could not be stored on our side; try again in a moment".into(),
            )
        }
    };
    (status, message, merge)
}

/// One column of the file and the fields it may feed.
struct Column {
    index: usize,
    header: String,
    /// The header as shown: an empty one says so.
    shown: String,
    options: Vec<(String, String, bool)>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "import_mapping.html")]
struct MappingPage {
    csrf: String,
    form: FormState,
    upload_id: String,
    merge: &'static str,
    columns: Vec<Column>,
}

impl MappingPage {
    /// Each column with its choice: the one made, else the one its header names, else none.
    fn new(
        csrf: String,
        form: FormState,
        held: &HeldUpload,
        definitions: &FieldDefinitions,
        chosen: &BTreeMap<String, String>,
    ) -> Self {
        let choices: Vec<(String, String)> = Target::choices(definitions)
            .iter()
            .map(|target| (target.key(), label(target)))
            .collect();
        let columns = held
            .headers
            .iter()
            .enumerate()
            .map(|(index, header)| {
                let selected = chosen.get(header).cloned().unwrap_or_else(|| {
                    Target::parse(header, definitions).map_or_else(|| "ignore".into(), |t| t.key())
                });
                Column {
                    index,
                    header: header.clone(),
                    shown: if header.is_empty() {
                        "(a column without a name)".into()
                    } else {
                        header.clone()
                    },
                    options: choices
                        .iter()
                        .map(|(key, label)| (key.clone(), label.clone(), *key == selected))
                        .collect(),
                    error: form.error(&format!("columns.{header}")).map(str::to_owned),
                }
            })
            .collect();
        Self {
            csrf,
            form,
            upload_id: held.id.clone(),
            merge: held.merge.as_str(),
            columns,
        }
    }
}

fn label(target: &Target) -> String {
    match target {
        Target::Name => "Name".into(),
        Target::Phones => "Phone numbers".into(),
        Target::Emails => "Email addresses".into(),
        Target::Tags => "Tags".into(),
        Target::Notes => "Notes".into(),
        Target::Consent(ChannelTarget(channel)) => format!("Consent: {}", channel_label(*channel)),
        Target::OptOut(ChannelTarget(channel)) => {
            format!("Opted out: {}", channel_label(*channel))
        }
        Target::Custom(name) => format!("Custom field: {name}"),
        Target::Ignore => "Ignore this column".into(),
    }
}

pub(super) async fn mapping(
    State(vault): State<Vault>,
    Extension(uploads): Extension<PendingUploads>,
    Member(caller): Member,
    CsrfToken(csrf): CsrfToken,
    Path(upload_id): Path<String>,
) -> Response {
    let Some(held) = uploads.get(&vault, &caller, &upload_id) else {
        return expired(csrf);
    };
    match vault.list_fields(&caller).await {
        Ok(definitions) => {
            let chosen = BTreeMap::new();
            let template =
                MappingPage::new(csrf, FormState::default(), &held, &definitions, &chosen);
            page(StatusCode::OK, &template)
        }
        Err(err) => failure(err),
    }
}

pub(super) async fn start(
    State(vault): State<Vault>,
    Extension(uploads): Extension<PendingUploads>,
    Member(caller): Member,
    CsrfToken(csrf): CsrfToken,
    Path(upload_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let columns: BTreeMap<String, String> = pairs
        .into_iter()
        .filter_map(|(name, value)| Some((name.strip_prefix("column.")?.to_owned(), value)))
        .collect();
    let Some((held, spooled, reader)) = uploads.take(&vault, &caller, &upload_id) else {
        return expired(csrf);
    };
    let options = ImportOptions {
        merge: held.merge,
        columns: columns.clone(),
    };
    let err = match vault.start_import(&caller, reader, options).await {
        Ok(handle) => return see_other(&format!("/app/contacts/imports/{}", handle.id)),
        Err(err) => err,
    };
    // Refused before any row was read: the upload waits again for a better mapping.
    uploads.give_back(&vault, &caller, held.clone(), spooled);
    let VaultError::Invalid(errors) = err else {
        return failure(err);
    };
    match vault.list_fields(&caller).await {
        Ok(definitions) => {
            let form = FormState::refused(errors.into_map());
            let template = MappingPage::new(csrf, form, &held, &definitions, &columns);
            page(StatusCode::UNPROCESSABLE_ENTITY, &template)
        }
        Err(err) => failure(err),
    }
}

#[derive(Template)]
#[template(path = "import_progress.html")]
struct ProgressPage {
    status: ImportStatus,
    running: bool,
    state_text: &'static str,
    rejections: Vec<(i64, String)>,
}

fn state_text(state: &str) -> &'static str {
    match state {
        "running" => "Importing…",
        "done" => "Done.",
        "failed" => "Stopped before the end of the file.",
        "interrupted" => {
            "Interrupted: the server running it stopped. Import the same file again to finish it."
        }
        _ => "Unknown.",
    }
}

pub(super) async fn progress(
    State(vault): State<Vault>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Response {
    let status = match vault.import_status(&caller, &id).await {
        Ok(status) => status,
        Err(err) => return failure(err),
    };
    let running = status.state == "running";
    let rejections = if running || status.counts.rejected == 0 {
        Vec::new()
    } else {
        match vault
            .import_rejections(&caller, &id, REJECTIONS_SHOWN)
            .await
        {
            Ok(rows) => rows,
            Err(err) => return failure(err),
        }
    };
    let template = ProgressPage {
        state_text: state_text(&status.state),
        status,
        running,
        rejections,
    };
    page(StatusCode::OK, &template)
}

pub(super) async fn rejections(
    State(vault): State<Vault>,
    Member(caller): Member,
    Path(id): Path<String>,
) -> Response {
    match rejection_report(&vault, &caller, &id).await {
        Ok(response) => response,
        Err(err) => api_failure(&err),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use askama::Template;
    use platform::clock::Timestamp;

    use super::{ProgressPage, state_text};
    use crate::service::ImportStatus;

    fn rendered(state: &str, rejections: Vec<(i64, String)>) -> String {
        let status = ImportStatus {
            id: "imp_1".into(),
            state: state.into(),
            merge_policy: "skip".into(),
            counts: crate::store::imports::Counts::default(),
            failure: None,
            started_at: Timestamp::from_millis(0),
            finished_at: None,
        };
        ProgressPage {
            running: state == "running",
            state_text: state_text(state),
            status,
            rejections,
        }
        .render()
        .unwrap()
    }

    #[test]
    fn a_running_import_reloads_its_page_and_a_finished_one_offers_its_rejected_rows() {
        let running = rendered("running", Vec::new());
        assert!(running.contains(r#"<meta http-equiv="refresh" content="1">"#));
        assert!(running.contains("<progress"));
        let done = rendered("done", vec![(3, "bad phone in column \"<b>\"".into())]);
        assert!(!done.contains("http-equiv"));
        assert!(done.contains(r#"href="/app/contacts/imports/imp_1/rejections.csv""#));
        assert!(!done.contains("<b>"), "reasons are escaped: {done}");
    }
}
