//! What one batch of an import does, decided from its rows and the contacts they match:
//! which rows are new contacts, which update an existing one, which change nothing. Pure,
//! so the pool and the SQLite fast path decide alike.

use std::collections::HashMap;

use super::MergePolicy;
use super::key_slots::KeySlots;
use super::parse::{Candidate, MatchKeys};
use crate::keys::DataKey;
use crate::model::Contact;
use crate::model::contact::ContactState;
use crate::model::import::{Target, merge_into};
use crate::service::contacts::{seal_row, terms};
use crate::store::contacts::ContactRow;

/// An existing contact rewritten by the batch, with the terms it loses and gains.
pub(super) struct Update {
    pub row: ContactRow,
    pub removed: Vec<i64>,
    pub added: Vec<i64>,
}

/// A contact the batch creates: its row, its terms, and the keys the import remembers it by.
pub(super) struct NewContact {
    pub row: ContactRow,
    pub terms: Vec<i64>,
    pub recall: Vec<i64>,
}

#[derive(Default)]
pub(super) struct Plan {
    pub inserts: Vec<NewContact>,
    pub updates: Vec<Update>,
    pub unchanged: i64,
}

impl Plan {
    /// Every contact the batch wrote, for its audit entry.
    pub fn touched(&self) -> impl Iterator<Item = &str> {
        self.inserts
            .iter()
            .map(|new| new.row.id.as_str())
            .chain(self.updates.iter().map(|u| u.row.id.as_str()))
    }
}

pub(super) struct Rules<'a> {
    pub key: &'a DataKey,
    pub tenant_id: &'a str,
    pub policy: MergePolicy,
    pub targets: &'a [Target],
}

/// What becomes of one good row.
enum Fate {
    New,
    /// The same person as an existing contact (its id).
    Existing(String),
    /// The same person as an earlier row of this batch (its place among the new ones).
    Earlier(usize),
}

/// The terms a batch looks up to find the contacts its rows already are.
pub(super) fn lookup_terms(candidates: &[Candidate]) -> Vec<i64> {
    let mut terms: Vec<i64> = candidates
        .iter()
        .flat_map(|c| c.keys.terms().iter().copied())
        .collect();
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// Decides the batch. `owners` maps each looked-up term to the contacts that have it;
/// `existing` holds those contacts, opened.
pub(super) fn plan(
    rules: &Rules<'_>,
    candidates: Vec<Candidate>,
    owners: &HashMap<i64, Vec<String>>,
    mut existing: HashMap<String, Contact>,
) -> Plan {
    let mut plan = Plan::default();
    let mut news: Vec<(Candidate, bool)> = Vec::new();
    let mut seen_terms: HashMap<i64, usize> = HashMap::new();
    let mut seen_names: HashMap<String, usize> = HashMap::new();
    let mut changed: HashMap<String, Vec<i64>> = HashMap::new();
    for candidate in candidates {
        match fate(&candidate, owners, &existing, &seen_terms, &seen_names) {
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
                plan.unchanged += 1;
                if rules.policy == MergePolicy::Update {
                    let (earlier, dirty) = &mut news[place];
                    let merged = merge_into(
                        &earlier.contact.state,
                        &candidate.contact.state,
                        rules.targets,
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
                let merged = merge_into(&current.state, &candidate.contact.state, rules.targets);
                if rules.policy == MergePolicy::Skip || merged == current.state {
                    plan.unchanged += 1;
                    continue;
                }
                // The terms the contact had before this batch first touched it.
                changed
                    .entry(id)
                    .or_insert_with(|| terms(rules.key, &current.state));
                current.state = merged;
                current.updated_at = candidate.contact.created_at;
            }
        }
    }
    for (id, old_terms) in changed {
        let Some(contact) = existing.get(&id) else {
            continue;
        };
        let new_terms = terms(rules.key, &contact.state);
        plan.updates.push(Update {
            row: seal_row(rules.key, rules.tenant_id, contact),
            removed: old_terms
                .iter()
                .filter(|t| !new_terms.contains(t))
                .copied()
                .collect(),
            added: new_terms
                .iter()
                .filter(|t| !old_terms.contains(t))
                .copied()
                .collect(),
        });
    }
    plan.updates.sort_by(|a, b| a.row.id.cmp(&b.row.id));
    plan.inserts = news
        .into_iter()
        .map(|(candidate, dirty)| {
            if dirty {
                NewContact {
                    row: seal_row(rules.key, rules.tenant_id, &candidate.contact),
                    terms: terms(rules.key, &candidate.contact.state),
                    recall: candidate.recall,
                }
            } else {
                NewContact {
                    row: candidate.row,
                    terms: candidate.terms,
                    recall: candidate.recall,
                }
            }
        })
        .collect();
    plan
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

/// The contacts this import created, by the keys it remembers them by (phone and email
/// terms, or a whole name): rows of later batches find them here, since the terms of an
/// import's new contacts are published to the index only when it ends. Keys in sorted
/// chunks and ids kept as numbers hold a million-row import in about 40 MB, growing evenly.
#[derive(Default)]
pub(super) struct Recall {
    by_key: KeySlots,
    ids: Vec<u128>,
}

impl Recall {
    pub fn remember(&mut self, plan: &Plan) {
        for new in &plan.inserts {
            self.remember_one(&new.row.id, &new.recall);
        }
    }

    /// Remembers one contact, created with `id`, by its `keys`.
    pub fn remember_one(&mut self, id: &str, keys: &[i64]) {
        let (Some(number), Ok(slot)) = (number_of(id), u32::try_from(self.ids.len())) else {
            return;
        };
        self.ids.push(number);
        for key in keys {
            self.by_key.insert_if_absent(*key, slot);
        }
    }

    /// (term, contact id) pairs for the contacts of this import that `candidates` may be,
    /// in the shape of an index look-up.
    pub fn matches(&self, candidates: &[Candidate]) -> Vec<(i64, String)> {
        candidates
            .iter()
            .flat_map(|c| self.matches_one(c))
            .collect()
    }

    pub fn matches_one(&self, candidate: &Candidate) -> Vec<(i64, String)> {
        match &candidate.keys {
            MatchKeys::Any(terms) => terms
                .iter()
                .filter_map(|term| Some((*term, self.id_for(*term)?)))
                .collect(),
            MatchKeys::AllWords(words) => {
                match candidate.recall.first().and_then(|k| self.id_for(*k)) {
                    Some(id) => words.iter().map(|w| (*w, id.clone())).collect(),
                    None => Vec::new(),
                }
            }
        }
    }

    fn id_for(&self, key: i64) -> Option<String> {
        let slot = self.by_key.get(key)?;
        self.ids
            .get(slot as usize)
            .map(|number| format!("ctc_{number:032x}"))
    }
}

/// A contact id (`ctc_` and 32 hex digits) as a number.
fn number_of(id: &str) -> Option<u128> {
    u128::from_str_radix(id.strip_prefix("ctc_")?, 16).ok()
}
