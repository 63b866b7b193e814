//! Rampart's customer data vault: a tenant's contacts, their personal fields encrypted at
//! rest with the tenant's data key, found through keyed blind indexes, imported and
//! exported in bulk.
//!
//! `model` holds the rules, free of HTTP and SQL: validation of every field, the import's
//! row checks, the export's cell escaping. `keys` holds the cryptography: the data key, the
//! sealing of a contact's personal fields, the blind-index terms. `store` holds the SQL.
//! `service` holds the operations, each owning its transaction and its audit entry. `http`
//! holds the API and the pages.

pub mod http;
pub mod keys;
pub mod model;
pub mod service;
pub mod store;
mod trust;

pub use service::{Caller, Vault, VaultDeps, VaultError};
pub use store::MIGRATIONS;
pub use trust::trust_section;
