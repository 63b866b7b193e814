//! The import's second stage: for each batch, finds the contacts its rows already are,
//! applies the merge policy, and writes the batch, its progress and its audit entry in one
//! transaction, so a crash loses nothing counted and counts nothing lost.

use std::collections::HashMap;

use platform::db::DbError;

use super::MergePolicy;
use super::parse::{Candidate, MatchKeys, Prepared};
use crate::keys::DataKey;
use crate::model::Contact;
use crate::model::contact::ContactState;
use crate::model::import::{Target, merge_into};
use crate::service::contacts::{open_row, seal_row, terms};
use crate::service::{Caller, Vault, VaultError};
use crate::store::contacts as contacts_store;
use crate::store::imports::{self as imports_store, Counts};

pub(super) struct Writer {
    pub vault: Vault,
    pub caller: Caller,
    pub import_id: String,
    pub key: DataKey,
    pub policy: MergePolicy,
    pub targets: Vec<Target>,
    pub counts: Counts,
}

/// What becomes of one good row.
enum Fate {
    New,
    /// The same person as an existing contact (its id).
    Existing(String),
    /// The same person as an earlier row of this batch (its place among the new ones).
    Earlier(usize),
}

impl Writer {
    pub async fn write(&mut self, batch: Vec<Prepared>) -> Result<(), VaultError> {
        let tenant_id = self.caller.tenant_id.clone();
        let mut rejections = Vec::new();
        let mut candidates = Vec::with_capacity(batch.len());
        for prepared in batch {
            self.counts.rows_read += 1;
            match prepared.outcome {
                Ok(candidate) => candidates.push(candidate),
                Err(reason) => rejections.push((prepared.line, reason)),
            }
        }
        self.counts.rejected += rejections.len() as i64;

        let mut tx = self.vault.db().begin().await?;
        let mut lookup: Vec<i64> = candidates
            .iter()
            .flat_map(|c| c.keys.terms().iter().copied())
            .collect();
        lookup.sort_unstable();
        lookup.dedup();
        let mut owners: HashMap<i64, Vec<String>> = HashMap::new();
        for (term, id) in contacts_store::having_terms(&mut tx, &tenant_id, &lookup).await? {
            owners.entry(term).or_default().push(id);
        }
        let possible: Vec<String> = {
            let mut ids: Vec<String> = owners.values().flatten().cloned().collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let mut existing: HashMap<String, Contact> = HashMap::new();
        for row in contacts_store::get_many(&mut tx, &tenant_id, &possible).await? {
            let contact = open_row(&self.key, &tenant_id, row)?;
            existing.insert(contact.id.clone(), contact);
        }

        let mut news: Vec<(Candidate, bool)> = Vec::new();
        let mut seen_terms: HashMap<i64, usize> = HashMap::new();
        let mut seen_names: HashMap<String, usize> = HashMap::new();
        let mut changed: Vec<String> = Vec::new();
        for candidate in candidates {
            let fate = fate(&candidate, &owners, &existing, &seen_terms, &seen_names);
            match fate {
                Fate::New => {
                    let place = news.len();
                    match &candidate.keys {
                        MatchKeys::Any(terms) => {
                            for term in terms {
                                seen_terms.entry(*term).or_insert(place);
                            }
                        }
                        MatchKeys::AllWords(_) => {
                            seen_names
                                .entry(candidate.contact.state.personal.name.to_lowercase())
                                .or_insert(place);
                        }
                    }
                    news.push((candidate, false));
                }
                Fate::Earlier(place) => {
                    self.counts.unchanged += 1;
                    if self.policy == MergePolicy::Update {
                        let (earlier, dirty) = &mut news[place];
                        let merged = merge_into(
                            &earlier.contact.state,
                            &candidate.contact.state,
                            &self.targets,
                        );
                        if merged != earlier.contact.state {
                            earlier.contact.state = merged;
                            *dirty = true;
                        }
                    }
                }
                Fate::Existing(id) => {
                    let Some(current) = existing.get_mut(&id) else {
                        continue;
                    };
                    let merged =
                        merge_into(&current.state, &candidate.contact.state, &self.targets);
                    if self.policy == MergePolicy::Skip || merged == current.state {
                        self.counts.unchanged += 1;
                        continue;
                    }
                    let old_terms = terms(&self.key, &current.state);
                    current.state = merged;
                    current.updated_at = candidate.contact.created_at;
                    let row = seal_row(&self.key, &tenant_id, current);
                    let new_terms = terms(&self.key, &current.state);
                    contacts_store::update(&mut tx, &tenant_id, &row).await?;
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
                    contacts_store::delete_terms(&mut tx, &tenant_id, &id, &removed).await?;
                    contacts_store::insert_terms(&mut tx, &tenant_id, &id, &added).await?;
                    self.counts.updated += 1;
                    if !changed.contains(&id) {
                        changed.push(id);
                    }
                }
            }
        }
        let rows: Vec<_> = news
            .into_iter()
            .map(|(candidate, dirty)| {
                if dirty {
                    let row = seal_row(&self.key, &tenant_id, &candidate.contact);
                    (row, terms(&self.key, &candidate.contact.state))
                } else {
                    (candidate.row, candidate.terms)
                }
            })
            .collect();
        let created = rows.len();
        contacts_store::insert_many(&mut tx, &tenant_id, &rows).await?;
        self.counts.created += created as i64;
        let now = self.vault.now().as_millis();
        imports_store::progress(&mut tx, &self.import_id, self.counts, &rejections, now).await?;
        let touched = rows
            .iter()
            .map(|(row, _)| row.id.as_str())
            .chain(changed.iter().map(String::as_str));
        let event = self
            .vault
            .event(&self.caller, "vault.import.write")
            .resource("contact", touched)
            .details(format!(
                "import={} created={created} updated={} rejected={}",
                self.import_id,
                changed.len(),
                rejections.len()
            ));
        self.vault.inner.audit.record(&mut tx, event).await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(())
    }
}

fn fate(
    candidate: &Candidate,
    owners: &HashMap<i64, Vec<String>>,
    existing: &HashMap<String, Contact>,
    seen_terms: &HashMap<i64, usize>,
    seen_names: &HashMap<String, usize>,
) -> Fate {
    let state = &candidate.contact.state;
    match &candidate.keys {
        MatchKeys::Any(terms) => {
            let found = terms
                .iter()
                .filter_map(|t| owners.get(t))
                .flatten()
                .find(|id| {
                    existing
                        .get(*id)
                        .is_some_and(|c| shares_a_channel(&c.state, state))
                });
            if let Some(id) = found {
                return Fate::Existing(id.clone());
            }
            match terms.iter().find_map(|t| seen_terms.get(t)) {
                Some(place) => Fate::Earlier(*place),
                None => Fate::New,
            }
        }
        MatchKeys::AllWords(words) => {
            let name = state.personal.name.to_lowercase();
            let found = words
                .first()
                .and_then(|first| owners.get(first))
                .and_then(|ids| {
                    ids.iter().find(|id| {
                        words
                            .iter()
                            .all(|w| owners.get(w).is_some_and(|o| o.contains(id)))
                            && existing
                                .get(*id)
                                .is_some_and(|c| c.state.personal.name.to_lowercase() == name)
                    })
                });
            if let Some(id) = found {
                return Fate::Existing(id.clone());
            }
            match seen_names.get(&name) {
                Some(place) => Fate::Earlier(*place),
                None => Fate::New,
            }
        }
    }
}

/// Whether two contacts share a phone number or an email address: checked on plaintext,
/// since a blind-index term can collide.
fn shares_a_channel(a: &ContactState, b: &ContactState) -> bool {
    a.personal
        .phones
        .iter()
        .any(|p| b.personal.phones.contains(p))
        || a.personal
            .emails
            .iter()
            .any(|e| b.personal.emails.contains(e))
}
