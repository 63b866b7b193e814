//! Rampart's shared platform: configuration, the database handle and its migrations, TLS,
//! the web kit every listener uses (headers, errors, request ids, templates), metrics,
//! logging and the clock. Feature crates depend on this crate and never on each other.

pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod ids;
pub mod metrics;
pub mod telemetry;
pub mod tls;
pub mod web;
