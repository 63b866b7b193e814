//! Rampart's identity capability: who a person or program is, and how they prove it.
//!
//! `model` holds the rules, free of HTTP and SQL: password policy and hashing, TOTP, API
//! token format, recovery codes. Storage, pages and the API build on these.

pub mod hashing_pool;
pub mod model;
