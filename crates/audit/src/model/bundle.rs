//! Entries as JSON, and the proof bundle a customer downloads: one entry, its inclusion
//! proof and the signed checkpoint it leads to. With the log's public key, and nothing from
//! the server, anyone can check that the entry is in the log the checkpoint commits to.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use platform::clock::Timestamp;
use serde::{Deserialize, Serialize};

use super::entry::{Actor, ActorKind, Entry, Event, Outcome};
use super::merkle::{Hash, ProofError, leaf_hash, verify_inclusion};
use super::note::{Checkpoint, NoteError, VerifierKey};

/// The `format` of bundles this version writes and reads.
pub const BUNDLE_FORMAT: &str = "rampart-audit-proof/v1";

/// An entry as the API, exports and bundles show it. `time_ms` is the exact time that is
/// hashed; `time` is the same instant for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryJson {
    pub index: u64,
    pub time: String,
    pub time_ms: i64,
    pub actor_kind: ActorKind,
    pub actor_id: String,
    pub tenant_id: Option<String>,
    pub action: String,
    pub resource_kind: String,
    pub resource_ids: Vec<String>,
    pub ticket_id: Option<String>,
    pub grant_id: Option<String>,
    pub outcome: Outcome,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
    /// Absent from entries without details, and from bundles written before details existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

impl From<&Entry> for EntryJson {
    fn from(entry: &Entry) -> Self {
        let event = &entry.event;
        Self {
            index: entry.index,
            time: rfc3339_millis(entry.time),
            time_ms: entry.time.as_millis(),
            actor_kind: event.actor.kind,
            actor_id: event.actor.id.clone(),
            tenant_id: event.tenant_id.clone(),
            action: event.action.clone(),
            resource_kind: event.resource_kind.clone(),
            resource_ids: event.resource_ids.clone(),
            ticket_id: event.ticket_id.clone(),
            grant_id: event.grant_id.clone(),
            outcome: event.outcome,
            request_id: entry.request_id.clone(),
            client_ip: entry.client_ip.clone(),
            details: event.details.clone(),
        }
    }
}

impl From<EntryJson> for Entry {
    fn from(json: EntryJson) -> Self {
        Self {
            index: json.index,
            time: Timestamp::from_millis(json.time_ms),
            event: Event {
                actor: Actor {
                    kind: json.actor_kind,
                    id: json.actor_id,
                },
                tenant_id: json.tenant_id,
                action: json.action,
                resource_kind: json.resource_kind,
                resource_ids: json.resource_ids,
                ticket_id: json.ticket_id,
                grant_id: json.grant_id,
                outcome: json.outcome,
                details: json.details,
            },
            request_id: json.request_id,
            client_ip: json.client_ip,
        }
    }
}

/// RFC 3339 in UTC with milliseconds, such as `2026-11-29T22:50:07.123Z`.
pub fn rfc3339_millis(time: Timestamp) -> String {
    let seconds = time.rfc3339();
    let millis = time.as_millis().rem_euclid(1000);
    format!("{}.{millis:03}Z", seconds.trim_end_matches('Z'))
}

/// One entry with what proves it is in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofBundle {
    pub format: String,
    pub entry: EntryJson,
    /// The leaf hash of the entry's canonical encoding, base64.
    pub leaf_hash: String,
    pub tree_size: u64,
    /// The RFC 9162 inclusion path, base64 hashes from the leaf up.
    pub inclusion_proof: Vec<String>,
    /// The signed checkpoint of a tree of `tree_size` entries.
    pub checkpoint: String,
}

impl ProofBundle {
    pub fn new(entry: &Entry, tree_size: u64, proof: &[Hash], checkpoint: String) -> Self {
        Self {
            format: BUNDLE_FORMAT.to_owned(),
            entry: EntryJson::from(entry),
            leaf_hash: B64.encode(leaf_hash(&entry.encode())),
            tree_size,
            inclusion_proof: proof.iter().map(|hash| B64.encode(hash)).collect(),
            checkpoint,
        }
    }

    /// Checks the bundle with the log's public key alone; returns the checkpoint it proves
    /// the entry against.
    pub fn check(&self, key: &VerifierKey) -> Result<Checkpoint, BundleError> {
        if self.format != BUNDLE_FORMAT {
            return Err(BundleError::Format(self.format.clone()));
        }
        let checkpoint = key.open(&self.checkpoint)?;
        if checkpoint.tree_size != self.tree_size {
            return Err(BundleError::SizeMismatch {
                bundle: self.tree_size,
                checkpoint: checkpoint.tree_size,
            });
        }
        let entry = Entry::from(self.entry.clone());
        let leaf = leaf_hash(&entry.encode());
        let proof = self
            .inclusion_proof
            .iter()
            .map(|text| {
                B64.decode(text)
                    .ok()
                    .and_then(|bytes| Hash::try_from(bytes).ok())
                    .ok_or(BundleError::MalformedHash)
            })
            .collect::<Result<Vec<Hash>, _>>()?;
        verify_inclusion(&leaf, entry.index, self.tree_size, &proof, &checkpoint.root)?;
        Ok(checkpoint)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("this is not a Rampart proof bundle (format {0:?}, expected {BUNDLE_FORMAT:?})")]
    Format(String),
    #[error("the checkpoint: {0}")]
    Checkpoint(#[from] NoteError),
    #[error("the bundle is for a tree of {bundle} entries but its checkpoint is of {checkpoint}")]
    SizeMismatch { bundle: u64, checkpoint: u64 },
    #[error("a hash in the inclusion proof is not 32 bytes of base64")]
    MalformedHash,
    #[error("the entry is not in the checkpointed log: {0}")]
    NotIncluded(#[from] ProofError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_milliseconds_in_utc() {
        assert_eq!(
            rfc3339_millis(Timestamp::from_millis(1_700_000_000_123)),
            "2023-11-14T22:13:20.123Z"
        );
    }

    #[test]
    fn entries_without_details_are_written_and_read_as_before_details_existed() {
        let entry = Entry {
            index: 3,
            time: Timestamp::from_millis(1_700_000_000_123),
            event: Event::new(Actor::user("usr_1"), "identity.login").tenant("ten_1"),
            request_id: None,
            client_ip: None,
        };
        let json = serde_json::to_value(EntryJson::from(&entry)).unwrap();
        assert!(json.get("details").is_none(), "{json}");
        let old: EntryJson = serde_json::from_value(json).unwrap();
        assert_eq!(Entry::from(old), entry);

        let detailed = Entry {
            event: entry.event.clone().details("name,phones"),
            ..entry
        };
        let json = serde_json::to_value(EntryJson::from(&detailed)).unwrap();
        assert_eq!(json["details"], "name,phones");
        let read: EntryJson = serde_json::from_value(json).unwrap();
        assert_eq!(Entry::from(read), detailed);
    }
}
