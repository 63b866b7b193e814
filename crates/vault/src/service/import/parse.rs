//! The import's first stage, on a thread of its own: reads the CSV, checks each row, and
//! seals every good row as a new contact, in batches for the writer. Sealing here, beside
//! the writer, keeps both cores busy.

use std::collections::BTreeMap;
use std::io::Read;

use platform::clock::Timestamp;
use platform::ids::new_id;
use tokio::sync::{mpsc, oneshot};

use crate::keys::DataKey;
use crate::model::contact::FieldDefinitions;
use crate::model::import::{Mapping, Target};
use crate::model::terms::{TermKind, terms_of};
use crate::model::{Contact, FieldErrors};
use crate::service::contacts::seal_row;
use crate::store::contacts::ContactRow;

/// Rows per batch: one transaction each.
pub(super) const BATCH: usize = 2_000;

/// A row of the file, checked.
pub(super) struct Prepared {
    pub line: u64,
    pub outcome: Result<Candidate, String>,
}

/// A good row, sealed as if it were a new contact.
pub(super) struct Candidate {
    pub contact: Contact,
    pub row: ContactRow,
    pub terms: Vec<i64>,
    pub keys: MatchKeys,
    /// The keys under which this import remembers the contact for its later rows: its
    /// phone and email terms, or its whole name when it has neither.
    pub recall: Vec<i64>,
    /// Earlier rows of the file this one may repeat, found by this thread when the tenant
    /// started empty (then rows can only repeat each other), as (term, contact id) pairs.
    pub known: Vec<(i64, String)>,
}

/// How a row finds the contact it may already be: by any of its phones and emails, or, when
/// it has neither, by every word of its name (then checked against the whole name).
#[derive(Debug, Clone)]
pub(super) enum MatchKeys {
    Any(Vec<i64>),
    AllWords(Vec<i64>),
}

impl MatchKeys {
    pub fn terms(&self) -> &[i64] {
        match self {
            Self::Any(terms) | Self::AllWords(terms) => terms,
        }
    }
}

pub(super) struct Job {
    /// The import's memory of its own rows, kept here when the tenant started empty.
    pub recall: Option<super::plan::Recall>,
    pub tenant_id: String,
    pub key: DataKey,
    pub definitions: FieldDefinitions,
    pub columns: BTreeMap<String, String>,
    pub now: Timestamp,
}

/// Why the file could not be read at all.
pub(super) enum Unreadable {
    Mapping(FieldErrors),
    Header(String),
}

/// Reads `source` to its end: first answers `mapped` with the header's mapping, then sends
/// batches until the file ends, or stops when the receiver is gone. A read error ends the
/// stream with `Err`.
pub(super) fn run(
    source: impl Read,
    mut job: Job,
    mapped: oneshot::Sender<Result<Vec<Target>, Unreadable>>,
    batches: mpsc::Sender<Result<Vec<Prepared>, String>>,
) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(source);
    let headers = match header_names(&mut reader) {
        Ok(headers) => headers,
        Err(message) => {
            let _ = mapped.send(Err(Unreadable::Header(message)));
            return;
        }
    };
    let mapping = match Mapping::from_headers(&headers, &job.columns, &job.definitions) {
        Ok(mapping) => mapping,
        Err(errors) => {
            let _ = mapped.send(Err(Unreadable::Mapping(errors)));
            return;
        }
    };
    if mapped.send(Ok(mapping.targets().to_vec())).is_err() {
        return;
    }
    let mut record = csv::ByteRecord::new();
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(err) => {
                let line = err.position().map_or(0, csv::Position::line);
                let _ = batches.blocking_send(Err(format!(
                    "the file could not be read past line {line}: {}",
                    describe_csv_error(&err)
                )));
                return;
            }
        }
        let line = record.position().map_or(0, csv::Position::line);
        let outcome = mapping
            .row(&record, &headers, &job.definitions)
            .map(|state| candidate(&job, state));
        let outcome = outcome.map(|mut candidate| {
            if let Some(recall) = job.recall.as_mut() {
                candidate.known = recall.matches_one(&candidate);
                if candidate.known.is_empty() {
                    recall.remember_one(&candidate.contact.id, &candidate.recall);
                }
            }
            candidate
        });
        batch.push(Prepared { line, outcome });
        if batch.len() == BATCH
            && batches
                .blocking_send(Ok(std::mem::take(&mut batch)))
                .is_err()
        {
            return;
        }
    }
    if !batch.is_empty() {
        let _ = batches.blocking_send(Ok(batch));
    }
}

fn header_names<R: Read>(reader: &mut csv::Reader<R>) -> Result<Vec<String>, String> {
    let headers = reader
        .byte_headers()
        .map_err(|err| format!("the header cannot be read: {}", describe_csv_error(&err)))?;
    if headers.is_empty() {
        return Err("the file is empty: the first line must name the columns".into());
    }
    headers
        .iter()
        .map(|h| {
            std::str::from_utf8(h)
                .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
                .map_err(|_| "invalid UTF-8 in the header line".to_owned())
        })
        .collect()
}

/// The kind of a CSV error without the bytes it saw: those may be personal data.
fn describe_csv_error(err: &csv::Error) -> &'static str {
    match err.kind() {
        csv::ErrorKind::Io(_) => "the upload could not be read",
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8",
        _ => "malformed CSV",
    }
}

fn candidate(job: &Job, state: crate::model::contact::ContactState) -> Candidate {
    let contact = Contact {
        id: new_id("ctc"),
        state,
        created_at: job.now,
        updated_at: job.now,
    };
    // Each term is computed once: the index needs them all, matching needs some of them.
    let all: Vec<(TermKind, i64)> = terms_of(&contact.state)
        .iter()
        .map(|(kind, value)| (*kind, job.key.term(*kind, value)))
        .collect();
    let of_kinds = |kinds: &[TermKind]| -> Vec<i64> {
        all.iter()
            .filter(|(kind, _)| kinds.contains(kind))
            .map(|(_, term)| *term)
            .collect()
    };
    let exact = of_kinds(&[TermKind::Phone, TermKind::Email]);
    let (keys, recall) = if exact.is_empty() {
        let whole = job.key.term(
            TermKind::FullName,
            &contact.state.personal.name.to_lowercase(),
        );
        (
            MatchKeys::AllWords(of_kinds(&[TermKind::NameWord])),
            vec![whole],
        )
    } else {
        (MatchKeys::Any(exact.clone()), exact)
    };
    let mut terms: Vec<i64> = all.iter().map(|(_, term)| *term).collect();
    terms.sort_unstable();
    terms.dedup();
    Candidate {
        known: Vec::new(),
        recall,
        row: seal_row(&job.key, &job.tenant_id, &contact),
        terms,
        contact,
        keys,
    }
}
