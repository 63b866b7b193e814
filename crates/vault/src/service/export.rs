//! Export of a tenant's contacts as CSV, streamed page by page: memory stays flat however
//! many contacts there are, and each page's contacts are recorded as read before they are
//! sent.

use std::pin::Pin;

use bytes::Bytes;
use futures_util::Stream;

use super::contacts::open_row;
use super::{Caller, Vault, VaultError};
use crate::keys::DataKey;
use crate::model::contact::FieldDefinitions;
use crate::model::export;
use crate::model::search::Search;
use crate::model::terms::terms_of;
use crate::store::contacts::{self as store, Filter};

/// CSV bytes, chunk by chunk.
pub type ExportStream = Pin<Box<dyn Stream<Item = Result<Bytes, VaultError>> + Send>>;

/// Contacts per page read.
const PAGE: usize = 500;

struct Cursor {
    vault: Vault,
    caller: Caller,
    key: DataKey,
    definitions: FieldDefinitions,
    search: Search,
    filter: Filter,
    after: Option<String>,
    exported: u64,
    state: Step,
}

#[derive(PartialEq, Eq)]
enum Step {
    Header,
    Rows,
    Finish,
    Done,
}

impl Vault {
    /// The caller's contacts matching `search`, as a CSV stream whose cells a spreadsheet
    /// cannot run.
    pub async fn export_contacts(
        &self,
        caller: &Caller,
        search: Search,
    ) -> Result<ExportStream, VaultError> {
        let mut conn = self.db().connection().await?;
        let key = self.key(&mut conn, caller).await?;
        let definitions = self.definitions(&mut conn, caller).await?;
        drop(conn);
        let filter = Filter {
            terms: search.terms.iter().map(|(k, v)| key.term(*k, v)).collect(),
            opted_out: search.opted_out,
        };
        let cursor = Cursor {
            vault: self.clone(),
            caller: caller.clone(),
            key,
            definitions,
            search,
            filter,
            after: None,
            exported: 0,
            state: Step::Header,
        };
        Ok(Box::pin(futures_util::stream::unfold(
            cursor,
            |mut cursor| async move {
                let chunk = cursor.next_chunk().await;
                match chunk {
                    Ok(None) => None,
                    Ok(Some(bytes)) => Some((Ok(bytes), cursor)),
                    Err(err) => {
                        cursor.state = Step::Done;
                        Some((Err(err), cursor))
                    }
                }
            },
        )))
    }
}

impl Cursor {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, VaultError> {
        loop {
            match self.state {
                Step::Header => {
                    self.state = Step::Rows;
                    return Ok(Some(csv_bytes(&[export::header(&self.definitions)])));
                }
                Step::Rows => {
                    if let Some(bytes) = self.page().await? {
                        return Ok(Some(bytes));
                    }
                    self.state = Step::Finish;
                }
                Step::Finish => {
                    self.state = Step::Done;
                    let event = self
                        .vault
                        .event(&self.caller, "vault.export.finish")
                        .resource("contact_export", std::iter::empty::<String>())
                        .details(format!("contacts={}", self.exported));
                    self.vault.record_read(event).await?;
                    return Ok(None);
                }
                Step::Done => return Ok(None),
            }
        }
    }

    /// The next page's rows as CSV, or `None` after the last.
    async fn page(&mut self) -> Result<Option<Bytes>, VaultError> {
        loop {
            let tenant_id = &self.caller.tenant_id;
            let rows = {
                let mut conn = self.vault.db().connection().await?;
                store::page(
                    &mut conn,
                    tenant_id,
                    &self.filter,
                    self.after.as_deref(),
                    PAGE,
                )
                .await?
            };
            let Some(last) = rows.last() else {
                return Ok(None);
            };
            self.after = Some(last.id.clone());
            let mut contacts = Vec::with_capacity(rows.len());
            for row in rows {
                let contact = open_row(&self.key, tenant_id, row)?;
                let terms = terms_of(&contact.state);
                if self
                    .search
                    .terms
                    .iter()
                    .all(|wanted| terms.contains(wanted))
                {
                    contacts.push(contact);
                }
            }
            if contacts.is_empty() {
                continue;
            }
            let event = self
                .vault
                .event(&self.caller, "vault.contact.export")
                .resource("contact", contacts.iter().map(|c| c.id.as_str()));
            self.vault.record_read(event).await?;
            self.exported += contacts.len() as u64;
            let rows: Vec<Vec<String>> = contacts
                .iter()
                .map(|c| export::row(c, &self.definitions))
                .collect();
            return Ok(Some(csv_bytes(&rows)));
        }
    }
}

fn csv_bytes(rows: &[Vec<String>]) -> Bytes {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        // Writing to memory cannot fail.
        let _ = writer.write_record(row);
    }
    Bytes::from(writer.into_inner().unwrap_or_default())
}
