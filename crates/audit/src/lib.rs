//! Rampart's tamper-evident audit log.
//!
//! Every access to customer data and every security event becomes an [`Entry`]: a leaf of a
//! Merkle tree in the form RFC 9162 (Certificate Transparency) defines. The lease holder signs
//! a checkpoint of the tree every second; anyone with the public key can check that an entry
//! is in the log and that the log only ever grew.
//!
//! `model` holds the encoding, the tree arithmetic and the signed-note format, free of SQL and
//! HTTP. `store` holds the SQL. `service` holds [`AuditLog`]: recording (inside a caller's
//! transaction, or through the group-commit writer for reads), checkpoints, proofs,
//! verification and export. `http` holds the transparency API and the customer's page.

pub mod context;
pub mod http;
pub mod model;
pub mod service;
pub mod store;
mod trust;

pub use context::RequestMeta;
pub use model::entry::{Actor, ActorKind, Entry, Event, Outcome};
pub use service::{AuditError, AuditLog, AuditUnavailable};
pub use store::MIGRATIONS;
pub use trust::trust_section;
