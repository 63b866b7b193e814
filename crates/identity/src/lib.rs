//! Rampart's identity capability: who a person or program is, and how they prove it.
//!
//! `model` holds the rules, free of HTTP and SQL: password policy and hashing, TOTP, API
//! token format, recovery codes, sessions. `store` holds the SQL. `service` holds the
//! operations, each owning its transaction. `http` holds the pages and the API.

pub mod hashing_pool;
pub mod hashing_timer;
pub mod http;
pub mod huge_pages;
pub mod model;
pub mod service;
pub mod store;
mod trust;

pub use service::{Identity, IdentityDeps, IdentityError};
pub use store::MIGRATIONS;
pub use trust::trust_sections;
