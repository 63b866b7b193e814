//! The disclosure program's SQL, and the only place that holds it.

pub mod attachments;
pub mod messages;
pub mod pauses;
pub mod policy;
pub mod reports;
pub mod researchers;

use platform::db::migrate::Migration;

pub use sqlx::AnyConnection as Conn;

/// The disclosure program's schema.
pub const MIGRATIONS: &[Migration] = &[Migration {
    component: "disclosure",
    version: 1,
    name: "disclosure",
    sql: include_str!("../../migrations/0001_disclosure.sql"),
}];
