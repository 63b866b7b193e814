//! The audit log's SQL, and the only place that holds it.
//!
//! Appending is the one write path: [`append::append`] moves the head, inserts the entries
//! and the tree nodes they complete, all inside the caller's transaction. The head row is
//! the lock that makes indexes gapless and ordered when several nodes share one PostgreSQL.

pub mod append;
pub mod checkpoints;
pub mod entries;
pub mod nodes;
pub mod scan;
pub mod sqlite_append;
pub mod sqlite_nodes;

use platform::db::migrate::Migration;

pub use sqlx::AnyConnection as Conn;

/// The audit log's schema.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        component: "audit",
        version: 1,
        name: "audit",
        sql: include_str!("../../migrations/0001_audit.sql"),
    },
    Migration {
        component: "audit",
        version: 2,
        name: "details",
        sql: include_str!("../../migrations/0002_details.sql"),
    },
];

/// `($1, $2, …), (…)` for `rows` rows of `columns` values, numbered from `$1`: sqlx's query
/// builder writes `?` for the `Any` driver, which PostgreSQL does not accept.
fn placeholders(rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&(row * columns + column + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

/// A read-only plain SQLite connection to the database file. NO_MUTEX: a connection is
/// used by one thread at a time (rusqlite's `Connection` is not `Sync`), and SQLite's
/// per-call connection mutex otherwise costs more than the work.
fn open_read_only(path: &std::path::Path) -> Result<rusqlite::Connection, rusqlite::Error> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = rusqlite::Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_every_value() {
        assert_eq!(super::placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
