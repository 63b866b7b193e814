//! Rampart's vulnerability disclosure program: the published policy and security.txt, the
//! intake of reports from researchers (with an account or anonymously, through a private
//! tracking link), their triage by the security team against committed response times,
//! embargoed advisories, and the Security Hall of Fame.
//!
//! `model` holds the rules, free of HTTP and SQL: the report lifecycle and its table of
//! allowed transitions, the response-time clocks on a business-day calendar, CVSS scoring,
//! the security.txt document and the policy's Markdown.

pub mod model;
pub mod service;
pub mod store;
mod trust;
pub use service::{Disclosure, DisclosureDeps, DisclosureError};
pub use store::MIGRATIONS;
pub use trust::trust_section;
pub mod http;
