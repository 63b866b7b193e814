//! The audit log's rules, free of SQL and HTTP: what an entry is and how it is encoded, the
//! RFC 9162 tree arithmetic, signed checkpoints, and offline proof bundles.

pub mod bundle;
pub mod entry;
pub mod merkle;
pub mod note;
