//! Rampart's integration tests: the real server, started on port 0 against a fresh SQLite
//! database, or a fresh PostgreSQL database when `RAMPART_TEST_POSTGRES_URL` is set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod audit;
mod bad_requests;
mod browser;
mod config_cli;
mod disclosure;
mod fuzz;
mod headers;
mod health;
mod helpers;
mod identity;
mod master_key;
mod metrics;
mod nodes;
mod openapi;
mod tls;
mod trust_page;
mod vault;
