//! `rampart audit export`: a tenant's entries since a date, for auditors, as JSON lines or CSV.

use std::io::Write;

use futures_util::TryStreamExt;
use platform::clock::Timestamp;
use platform::db::{Db, DbError};

use crate::model::bundle::EntryJson;
use crate::store::entries::{self, entry_of};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    JsonLines,
    Csv,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
    #[error("cannot write the export: {0}")]
    Csv(#[from] csv::Error),
    #[error("{0}; run `rampart audit verify`")]
    Damaged(String),
}

const CSV_HEADER: [&str; 15] = [
    "index",
    "time",
    "time_ms",
    "actor_kind",
    "actor_id",
    "tenant_id",
    "action",
    "resource_kind",
    "resource_ids",
    "ticket_id",
    "grant_id",
    "outcome",
    "request_id",
    "client_ip",
    "details",
];

/// Writes the entries of `tenant_id` recorded at or after `since`, in index order; returns
/// how many were written.
pub async fn export(
    db: &Db,
    tenant_id: &str,
    since: Timestamp,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let mut conn = db.connection().await?;
    let mut rows = entries::stream_for_tenant(&mut conn, tenant_id, since);
    let mut sink = match format {
        ExportFormat::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(CSV_HEADER)?;
            Sink::Csv(Box::new(writer))
        }
        ExportFormat::JsonLines => Sink::Lines(out, Vec::new()),
    };
    let mut count = 0;
    while let Some(row) = rows.try_next().await? {
        let entry = entry_of(row).map_err(|err| ExportError::Damaged(err.to_string()))?;
        let json = EntryJson::from(&entry);
        match &mut sink {
            Sink::Csv(writer) => writer.write_record(csv_record(&json))?,
            Sink::Lines(out, line) => {
                line.clear();
                serde_json::to_writer(&mut *line, &json).map_err(std::io::Error::from)?;
                line.push(b'\n');
                out.write_all(line)?;
            }
        }
        count += 1;
    }
    match sink {
        Sink::Csv(mut writer) => writer.flush()?,
        Sink::Lines(out, _) => out.flush()?,
    }
    Ok(count)
}

enum Sink<'a> {
    Csv(Box<csv::Writer<&'a mut dyn Write>>),
    Lines(&'a mut dyn Write, Vec<u8>),
}

fn csv_record(entry: &EntryJson) -> [String; 15] {
    let opt = |value: &Option<String>| value.clone().unwrap_or_default();
    [
        entry.index.to_string(),
        entry.time.clone(),
        entry.time_ms.to_string(),
        entry.actor_kind.as_str().to_owned(),
        entry.actor_id.clone(),
        opt(&entry.tenant_id),
        entry.action.clone(),
        entry.resource_kind.clone(),
        entry.resource_ids.join(" "),
        opt(&entry.ticket_id),
        opt(&entry.grant_id),
        entry.outcome.as_str().to_owned(),
        opt(&entry.request_id),
        opt(&entry.client_ip),
        opt(&entry.details),
    ]
    .map(|cell| defuse_formula(&cell))
}

/// A cell a spreadsheet would run as a formula gets a leading apostrophe.
fn defuse_formula(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}
