//! The audit log's integration tests, each against a fresh database: SQLite in a temporary
//! folder, or a new PostgreSQL database when `RAMPART_TEST_POSTGRES_URL` is set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod append_only;
mod checkpoints;
mod consistency;
mod details;
mod group_commit;
mod support;
mod tree;
mod verify;
