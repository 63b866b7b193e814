//! An audit entry and its canonical byte encoding, the leaf data of the Merkle tree.
//!
//! The encoding is versioned and unambiguous (every string is length-prefixed, every optional
//! field tagged), so two different entries can never encode to the same bytes. It includes
//! the entry's index and time: moving or re-dating an entry changes its leaf hash.
//!
//! Version 1 is every entry without details; version 2 is the same fields followed by the
//! details. An entry without details still encodes as version 1, byte for byte, so the
//! leaves of entries appended before details existed hash as they always did.

use platform::clock::Timestamp;
use serde::{Deserialize, Serialize};

/// The first byte of every encoded entry without details; a future layout gets a new number.
pub const ENCODING_V1: u8 = 1;
/// The first byte of an encoded entry with details: version 1's fields, then the details.
pub const ENCODING_V2: u8 = 2;

/// Who did something. Staff appear under a stable pseudonym, never their name or email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// A customer's user, signed in to the pages.
    User,
    /// A program using a customer's API token.
    Token,
    /// A member of the operator's staff.
    Staff,
    /// Rampart itself, or an operator at the command line.
    System,
    /// Someone not (yet) identified, such as a failed log-in.
    Anonymous,
}

impl ActorKind {
    pub const ALL: [Self; 5] = [
        Self::User,
        Self::Token,
        Self::Staff,
        Self::System,
        Self::Anonymous,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Token => "token",
            Self::Staff => "staff",
            Self::System => "system",
            Self::Anonymous => "anonymous",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub kind: ActorKind,
    /// `usr_…`, `tok_…`, a staff pseudonym, or a name such as `cli`; empty when anonymous.
    pub id: String,
}

impl Actor {
    pub fn user(id: &str) -> Self {
        Self {
            kind: ActorKind::User,
            id: id.to_owned(),
        }
    }

    pub fn token(id: &str) -> Self {
        Self {
            kind: ActorKind::Token,
            id: id.to_owned(),
        }
    }

    /// A staff member, by the pseudonym from [`crate::AuditLog::staff_pseudonym`].
    pub fn staff(pseudonym: &str) -> Self {
        Self {
            kind: ActorKind::Staff,
            id: pseudonym.to_owned(),
        }
    }

    pub fn system(name: &str) -> Self {
        Self {
            kind: ActorKind::System,
            id: name.to_owned(),
        }
    }

    pub fn anonymous() -> Self {
        Self {
            kind: ActorKind::Anonymous,
            id: String::new(),
        }
    }
}

/// Whether the action happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Allowed,
    Denied,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Denied => "denied",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Allowed, Self::Denied, Self::Failed]
            .into_iter()
            .find(|outcome| outcome.as_str() == text)
    }
}

/// What a feature records: who did what to which resources, why, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub actor: Actor,
    /// The tenant whose data or account was touched; none for events of no tenant.
    pub tenant_id: Option<String>,
    /// A dotted name such as `identity.login` or `vault.contact.read`.
    pub action: String,
    /// What kind of thing was touched: `user`, `session`, `token`, `contact`…
    pub resource_kind: String,
    /// The ids touched, never their contents.
    pub resource_ids: Vec<String>,
    /// For staff access: the ticket that justified it.
    pub ticket_id: Option<String>,
    /// For staff access: the grant it was made under.
    pub grant_id: Option<String>,
    pub outcome: Outcome,
    /// Free text about the action, such as the names of the fields a write changed
    /// (`name,phones`) or an import's counts (`created=10 updated=2 rejected=3`). It is
    /// shown to the tenant and kept for ever: the caller must never put values, personal
    /// data or secrets in it, only names and numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

impl Event {
    /// An allowed event with no resource, no tenant and no purpose; fill in the rest.
    pub fn new(actor: Actor, action: &str) -> Self {
        Self {
            actor,
            tenant_id: None,
            action: action.to_owned(),
            resource_kind: String::new(),
            resource_ids: Vec::new(),
            ticket_id: None,
            grant_id: None,
            outcome: Outcome::Allowed,
            details: None,
        }
    }

    pub fn tenant(mut self, tenant_id: &str) -> Self {
        self.tenant_id = Some(tenant_id.to_owned());
        self
    }

    pub fn resource(
        mut self,
        kind: &str,
        ids: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.resource_kind = kind.to_owned();
        self.resource_ids = ids.into_iter().map(Into::into).collect();
        self
    }

    pub fn purpose(mut self, ticket_id: &str, grant_id: &str) -> Self {
        self.ticket_id = Some(ticket_id.to_owned());
        self.grant_id = Some(grant_id.to_owned());
        self
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// Free text about the action (see [`Event::details`]): names and counts, never values
    /// or secrets. Empty text records no details.
    pub fn details(mut self, details: impl Into<String>) -> Self {
        let details = details.into();
        self.details = (!details.is_empty()).then_some(details);
        self
    }
}

/// An entry of the log: an event with its place, its time and the request it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub index: u64,
    pub time: Timestamp,
    pub event: Event,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

/// An entry before the log gives it its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub time: Timestamp,
    pub event: Event,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

impl Draft {
    pub fn at(self, index: u64) -> Entry {
        Entry {
            index,
            time: self.time,
            event: self.event,
            request_id: self.request_id,
            client_ip: self.client_ip,
        }
    }
}

impl Entry {
    /// The canonical bytes hashed into the tree: version 1, or version 2 with details.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(160);
        self.encode_into(&mut out);
        out
    }

    /// [`Entry::encode`] into a reused buffer.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let event = &self.event;
        Fields {
            index: self.index,
            time_ms: self.time.as_millis(),
            actor_kind: event.actor.kind.as_str().as_bytes(),
            actor_id: event.actor.id.as_bytes(),
            tenant_id: event.tenant_id.as_deref().map(str::as_bytes),
            action: event.action.as_bytes(),
            resource_kind: event.resource_kind.as_bytes(),
            resource_ids: &event.resource_ids,
            ticket_id: event.ticket_id.as_deref().map(str::as_bytes),
            grant_id: event.grant_id.as_deref().map(str::as_bytes),
            outcome: event.outcome.as_str().as_bytes(),
            request_id: self.request_id.as_deref().map(str::as_bytes),
            client_ip: self.client_ip.as_deref().map(str::as_bytes),
            details: event.details.as_deref().map(str::as_bytes),
        }
        .encode_into(out);
    }
}

/// An entry's fields as borrowed bytes, the way a stored row holds its text: what verification
/// encodes without building an [`Entry`] for each of millions of rows.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a, Id: AsRef<[u8]>> {
    pub index: u64,
    pub time_ms: i64,
    pub actor_kind: &'a [u8],
    pub actor_id: &'a [u8],
    pub tenant_id: Option<&'a [u8]>,
    pub action: &'a [u8],
    pub resource_kind: &'a [u8],
    pub resource_ids: &'a [Id],
    pub ticket_id: Option<&'a [u8]>,
    pub grant_id: Option<&'a [u8]>,
    pub outcome: &'a [u8],
    pub request_id: Option<&'a [u8]>,
    pub client_ip: Option<&'a [u8]>,
    pub details: Option<&'a [u8]>,
}

impl<Id: AsRef<[u8]>> Fields<'_, Id> {
    /// The canonical encoding: see [`Entry::encode`].
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.clear();
        self.append_to(out);
    }

    /// The leaf hash of the encoding, SHA-256(0x00 ‖ encoding), built in `buffer`.
    pub fn leaf_hash(&self, buffer: &mut Vec<u8>) -> crate::model::merkle::Hash {
        buffer.clear();
        buffer.push(crate::model::merkle::LEAF_PREFIX);
        self.append_to(buffer);
        crate::model::merkle::sha256_in_place(buffer)
    }

    fn append_to(&self, out: &mut Vec<u8>) {
        out.push(match self.details {
            None => ENCODING_V1,
            Some(_) => ENCODING_V2,
        });
        out.extend_from_slice(&self.index.to_be_bytes());
        out.extend_from_slice(&self.time_ms.to_be_bytes());
        put_str(out, self.actor_kind);
        put_str(out, self.actor_id);
        put_opt(out, self.tenant_id);
        put_str(out, self.action);
        put_str(out, self.resource_kind);
        put_len(out, self.resource_ids.len());
        for id in self.resource_ids {
            put_str(out, id.as_ref());
        }
        put_opt(out, self.ticket_id);
        put_opt(out, self.grant_id);
        put_str(out, self.outcome);
        put_opt(out, self.request_id);
        put_opt(out, self.client_ip);
        // The version byte says whether details follow, so they need no tag of their own.
        if let Some(details) = self.details {
            put_str(out, details);
        }
    }
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    // Fields are bounded far below 4 GiB by the writers; saturating keeps this total.
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
}

fn put_str(out: &mut Vec<u8>, text: &[u8]) {
    put_len(out, text.len());
    out.extend_from_slice(text);
}

fn put_opt(out: &mut Vec<u8>, text: Option<&[u8]>) {
    match text {
        None => out.push(0),
        Some(text) => {
            out.push(1);
            put_str(out, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            index: 7,
            time: Timestamp::from_millis(1_700_000_000_000),
            event: Event::new(Actor::user("usr_1"), "identity.login")
                .tenant("ten_1")
                .resource("session", ["ses_1"]),
            request_id: Some("req_1".into()),
            client_ip: Some("192.0.2.1".into()),
        }
    }

    #[test]
    fn the_encoding_is_stable_and_starts_with_its_version() {
        let bytes = entry().encode();
        assert_eq!(bytes[0], ENCODING_V1);
        assert_eq!(&bytes[1..9], &7u64.to_be_bytes());
        assert_eq!(
            hex::encode(&bytes),
            concat!(
                "01",               // version
                "0000000000000007", // index
                "0000018bcfe56800", // time in ms
                "00000004",
                "75736572", // actor kind "user"
                "00000005",
                "7573725f31", // actor id "usr_1"
                "01",
                "00000005",
                "74656e5f31", // tenant "ten_1"
                "0000000e",
                "6964656e746974792e6c6f67696e", // action
                "00000007",
                "73657373696f6e", // resource kind "session"
                "00000001",
                "00000005",
                "7365735f31", // one resource id
                "00",
                "00", // no ticket, no grant
                "00000007",
                "616c6c6f776564", // outcome "allowed"
                "01",
                "00000005",
                "7265715f31", // request id
                "01",
                "00000009",
                "3139322e302e322e31", // client address
            )
        );
    }

    /// Details arrived after entries had been appended: an entry without them must keep the
    /// version 1 bytes pinned above, and one with them is those fields under version 2 with
    /// the details appended.
    #[test]
    fn details_are_appended_under_version_2_and_leave_entries_without_them_as_they_were() {
        let v1 = entry().encode();
        let mut no_details = entry();
        no_details.event = no_details.event.details("");
        assert_eq!(no_details.event.details, None);
        assert_eq!(no_details.encode(), v1);

        let mut with_details = entry();
        with_details.event = with_details.event.details("name,phones");
        let mut expected = vec![ENCODING_V2];
        expected.extend_from_slice(&v1[1..]);
        expected.extend_from_slice(&[0, 0, 0, 11]);
        expected.extend_from_slice(b"name,phones");
        assert_eq!(with_details.encode(), expected);
        assert_eq!(with_details.encode()[0], 2);
    }

    #[test]
    fn every_field_changes_the_encoding() {
        let base = entry().encode();
        type Change = Box<dyn Fn(&mut Entry)>;
        let changes: Vec<Change> = vec![
            Box::new(|e| e.index = 8),
            Box::new(|e| e.time = Timestamp::from_millis(1)),
            Box::new(|e| e.event.actor.kind = ActorKind::Token),
            Box::new(|e| e.event.actor.id.push('x')),
            Box::new(|e| e.event.tenant_id = None),
            Box::new(|e| e.event.action.push('x')),
            Box::new(|e| e.event.resource_kind.push('x')),
            Box::new(|e| e.event.resource_ids.push("x".into())),
            Box::new(|e| e.event.ticket_id = Some(String::new())),
            Box::new(|e| e.event.grant_id = Some("g".into())),
            Box::new(|e| e.event.outcome = Outcome::Denied),
            Box::new(|e| e.request_id = None),
            Box::new(|e| e.client_ip = None),
            Box::new(|e| e.event.details = Some("name".into())),
            Box::new(|e| e.event.details = Some(String::new())),
        ];
        for change in changes {
            let mut changed = entry();
            change(&mut changed);
            assert_ne!(changed.encode(), base, "{changed:?}");
        }
    }

    #[test]
    fn fields_cannot_be_shifted_into_each_other() {
        let mut a = entry();
        a.event.resource_ids = vec!["ab".into(), "c".into()];
        let mut b = entry();
        b.event.resource_ids = vec!["a".into(), "bc".into()];
        assert_ne!(a.encode(), b.encode());
    }
}
