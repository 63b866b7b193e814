//! Reading and writing one contact, and pages of them.

use platform::clock::Timestamp;
use platform::db::Dialect;
use platform::ids::new_id;

use super::{Caller, Vault, VaultError};
use crate::keys::DataKey;
use crate::model::contact::{Channels, ContactState, FieldDefinitions};
use crate::model::search::{PageRequest, Search, encode_cursor};
use crate::model::terms::terms_of;
use crate::model::{Contact, ContactInput, Tag};
use crate::store::Conn;
use crate::store::contacts::{self as store, ContactRow, Filter};

/// A page of contacts and the cursor of the next one.
#[derive(Debug, Clone)]
pub struct ContactPage {
    pub items: Vec<Contact>,
    pub next_cursor: Option<String>,
}

impl Vault {
    pub async fn get_contact(&self, caller: &Caller, id: &str) -> Result<Contact, VaultError> {
        if !well_formed(id) {
            return Err(self.deny(caller, "vault.contact.read", id).await);
        }
        let mut conn = self.db().connection().await?;
        let key = self.key(&mut conn, caller).await?;
        let Some(row) = store::get(&mut conn, &caller.tenant_id, id).await? else {
            drop(conn);
            return Err(self.deny(caller, "vault.contact.read", id).await);
        };
        drop(conn);
        let contact = open_row(&key, &caller.tenant_id, row)?;
        self.record_read(
            self.event(caller, "vault.contact.read")
                .resource("contact", [contact.id.as_str()]),
        )
        .await?;
        Ok(contact)
    }

    pub async fn list_contacts(
        &self,
        caller: &Caller,
        search: &Search,
        page: &PageRequest,
    ) -> Result<ContactPage, VaultError> {
        let mut conn = self.db().connection().await?;
        let key = self.key(&mut conn, caller).await?;
        let filter = Filter {
            terms: search
                .terms
                .iter()
                .map(|(kind, value)| key.term(*kind, value))
                .collect(),
            opted_out: search.opted_out,
        };
        let mut rows = store::page(
            &mut conn,
            &caller.tenant_id,
            &filter,
            page.after.as_deref(),
            page.limit + 1,
        )
        .await?;
        drop(conn);
        let more = rows.len() > page.limit;
        rows.truncate(page.limit);
        let next_cursor = more
            .then(|| rows.last().map(|row| encode_cursor(&row.id)))
            .flatten();
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let contact = open_row(&key, &caller.tenant_id, row)?;
            // A blind-index term is 64 bits: a rare collision is caught here, on the plaintext.
            let terms = terms_of(&contact.state);
            if search.terms.iter().all(|wanted| terms.contains(wanted)) {
                items.push(contact);
            }
        }
        self.record_read(
            self.event(caller, "vault.contact.list")
                .resource("contact", items.iter().map(|c| c.id.as_str())),
        )
        .await?;
        Ok(ContactPage { items, next_cursor })
    }

    pub async fn create_contact(
        &self,
        caller: &Caller,
        input: &ContactInput,
    ) -> Result<Contact, VaultError> {
        let mut tx = self.db().begin().await?;
        let definitions = self.definitions(&mut tx, caller).await?;
        let (state, changed) = input.apply(None, &definitions)?;
        let key = self.key(&mut tx, caller).await?;
        let now = self.now();
        let contact = Contact {
            id: new_id("ctc"),
            state,
            created_at: now,
            updated_at: now,
        };
        let row = seal_row(&key, &caller.tenant_id, &contact);
        store::insert(
            &mut tx,
            &caller.tenant_id,
            &row,
            &terms(&key, &contact.state),
        )
        .await?;
        let event = self
            .event(caller, "vault.contact.create")
            .resource("contact", [contact.id.as_str()]);
        self.inner
            .audit
            .record(&mut tx, with_fields(event, &changed))
            .await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(contact)
    }

    pub async fn update_contact(
        &self,
        caller: &Caller,
        id: &str,
        input: &ContactInput,
    ) -> Result<Contact, VaultError> {
        let (mut tx, row) = self.for_change(caller, id, "vault.contact.update").await?;
        let definitions = self.definitions(&mut tx, caller).await?;
        let key = self.key(&mut tx, caller).await?;
        let old = open_row(&key, &caller.tenant_id, row)?;
        let (state, changed) = input.apply(Some(&old.state), &definitions)?;
        let contact = Contact {
            state,
            updated_at: self.now(),
            ..old.clone()
        };
        let row = seal_row(&key, &caller.tenant_id, &contact);
        store::update(&mut tx, &caller.tenant_id, &row).await?;
        let (old_terms, new_terms) = (terms(&key, &old.state), terms(&key, &contact.state));
        let removed: Vec<i64> = old_terms
            .iter()
            .filter(|t| !new_terms.contains(t))
            .copied()
            .collect();
        let added: Vec<i64> = new_terms
            .iter()
            .filter(|t| !old_terms.contains(t))
            .copied()
            .collect();
        store::delete_terms(&mut tx, id, &removed).await?;
        store::insert_terms(&mut tx, id, &added).await?;
        let event = self
            .event(caller, "vault.contact.update")
            .resource("contact", [id]);
        self.inner
            .audit
            .record(&mut tx, with_fields(event, &changed))
            .await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(contact)
    }

    pub async fn delete_contact(&self, caller: &Caller, id: &str) -> Result<(), VaultError> {
        let (mut tx, row) = self.for_change(caller, id, "vault.contact.delete").await?;
        let key = self.key(&mut tx, caller).await?;
        let old = open_row(&key, &caller.tenant_id, row)?;
        store::delete(&mut tx, &caller.tenant_id, id, &terms(&key, &old.state)).await?;
        let event = self
            .event(caller, "vault.contact.delete")
            .resource("contact", [id]);
        self.inner.audit.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(())
    }

    /// A transaction holding the caller's contact `id`, locked against concurrent writers;
    /// a missing, foreign or malformed id is recorded as a denied `action` and not found.
    async fn for_change(
        &self,
        caller: &Caller,
        id: &str,
        action: &str,
    ) -> Result<(platform::db::Transaction, ContactRow), VaultError> {
        if !well_formed(id) {
            return Err(self.deny(caller, action, id).await);
        }
        let mut tx = self.db().begin().await?;
        let dialect = self.db().dialect();
        match locked(&mut tx, dialect, &caller.tenant_id, id).await? {
            Some(row) => Ok((tx, row)),
            None => {
                drop(tx);
                Err(self.deny(caller, action, id).await)
            }
        }
    }

    pub(super) async fn key(
        &self,
        conn: &mut Conn,
        caller: &Caller,
    ) -> Result<DataKey, VaultError> {
        self.inner
            .keys
            .get(conn, &caller.tenant_id, self.now().as_millis())
            .await
    }

    pub(super) async fn definitions(
        &self,
        conn: &mut Conn,
        caller: &Caller,
    ) -> Result<FieldDefinitions, VaultError> {
        super::fields::load(conn, &caller.tenant_id).await
    }
}

/// Whether a contact id from a request has the shape Rampart gives ids; one that does not
/// is answered like a missing contact without reaching the database.
fn well_formed(id: &str) -> bool {
    platform::ids::is_well_formed("ctc", id)
}

/// The row, locked against concurrent writers until the transaction ends. SQLite has one
/// writer at a time already; PostgreSQL needs `FOR UPDATE`.
async fn locked(
    conn: &mut Conn,
    dialect: Dialect,
    tenant_id: &str,
    id: &str,
) -> Result<Option<ContactRow>, VaultError> {
    Ok(store::get_for_update(conn, tenant_id, id, dialect == Dialect::Postgres).await?)
}

/// An audit event naming the fields a write changed (names, never values).
pub(super) fn with_fields(event: audit::Event, changed: &[String]) -> audit::Event {
    event.details(changed.join(","))
}

pub(super) fn terms(key: &DataKey, state: &ContactState) -> Vec<i64> {
    let mut terms: Vec<i64> = terms_of(state)
        .iter()
        .map(|(kind, value)| key.term(*kind, value))
        .collect();
    terms.sort_unstable();
    terms.dedup();
    terms
}

pub(super) fn seal_row(key: &DataKey, tenant_id: &str, contact: &Contact) -> ContactRow {
    ContactRow {
        id: contact.id.clone(),
        sealed: key.seal(tenant_id, &contact.id, &contact.state.personal),
        tags: serde_json::to_string(&contact.state.tags).unwrap_or_else(|_| "[]".into()),
        channels: contact.state.channels.bits(),
        created_at: contact.created_at.as_millis(),
        updated_at: contact.updated_at.as_millis(),
    }
}

pub(super) fn open_row(
    key: &DataKey,
    tenant_id: &str,
    row: ContactRow,
) -> Result<Contact, VaultError> {
    let personal = key.open(tenant_id, &row.id, &row.sealed)?;
    // Tags were checked when written; one that no longer parses is dropped, not fatal.
    let tags: Vec<String> = serde_json::from_str(&row.tags).unwrap_or_default();
    Ok(Contact {
        state: ContactState {
            personal,
            tags: tags.iter().filter_map(|t| Tag::parse(t).ok()).collect(),
            channels: Channels::from_bits(row.channels),
        },
        id: row.id,
        created_at: Timestamp::from_millis(row.created_at),
        updated_at: Timestamp::from_millis(row.updated_at),
    })
}
