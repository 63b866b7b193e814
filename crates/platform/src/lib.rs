//! Rampart's shared platform: configuration, the database handle and its migrations, TLS,
//! the web kit every listener uses (headers, errors, request ids, templates), metrics,
//! logging, the clock and the mailer. Feature crates depend on this crate and never on each
//! other.

pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod ids;
pub mod mail;
pub mod metrics;
pub mod telemetry;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod tls;
pub mod web;
