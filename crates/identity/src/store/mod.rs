//! Identity's SQL, and the only place that holds it. Each function runs on a connection the
//! caller owns, usually inside the transaction of one domain operation.

pub mod invitations;
pub mod links;
pub mod login;
pub mod recovery;
pub mod sealed;
pub mod sessions;
pub mod staff;
pub mod sweep;
pub mod tenants;
pub mod throttle;
pub mod tokens;
pub mod users;

use platform::db::migrate::Migration;

pub use sqlx::AnyConnection as Conn;

/// Identity's schema, applied after the platform's.
pub const MIGRATIONS: &[Migration] = &[Migration {
    component: "identity",
    version: 1,
    name: "identity",
    sql: include_str!("../../migrations/0001_identity.sql"),
}];
