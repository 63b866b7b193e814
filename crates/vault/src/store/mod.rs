//! The vault's SQL, and the only place that holds it.
//!
//! Every function takes the tenant id it is scoped to and puts it in its `WHERE`: a query
//! that forgot it could not be written without changing a signature.

pub mod contacts;
pub mod fields;
pub mod imports;
pub mod keys;
pub mod sqlite_bulk;
pub mod staging;

use platform::db::migrate::Migration;

pub use sqlx::AnyConnection as Conn;

/// The vault's schema.
pub const MIGRATIONS: &[Migration] = &[Migration {
    component: "vault",
    version: 1,
    name: "vault",
    sql: include_str!("../../migrations/0001_vault.sql"),
}];

/// How many values one statement may bind on this connection. sqlx's SQLite driver looks
/// each parameter's name up in a list, so binding is quadratic in the values of a
/// statement and they stay small there; PostgreSQL takes up to 65,535, and each statement
/// saved is a round trip saved.
fn values_per_statement(conn: &Conn) -> usize {
    if conn.backend_name() == "PostgreSQL" {
        6_000
    } else {
        120
    }
}

/// `$start, $start+1, …` for `count` values: sqlx's `Any` driver needs numbered
/// placeholders, which PostgreSQL requires and SQLite accepts.
fn numbered(start: usize, count: usize) -> String {
    (start..start + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_from_the_start_given() {
        assert_eq!(super::numbered(3, 3), "$3, $4, $5");
        assert_eq!(super::numbered(1, 0), "");
    }
}
