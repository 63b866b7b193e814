//! Embedded, append-only schema migrations for both engines.
//!
//! Each feature crate ships its migrations as a `&[Migration]` under its own component
//! name; the binary runs them in order at start and through `rampart migrate`. A migration
//! and the row recording it commit in one transaction, so a crash never applies one twice,
//! and one that changed after it shipped is refused by its checksum.

use sha2::{Digest, Sha256};
use sqlx::pool::PoolConnection;
use sqlx::{Any, Row};

use super::{Db, DbError, Dialect};
use crate::clock::Timestamp;

/// One schema change of one component.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub component: &'static str,
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

impl Migration {
    fn checksum(&self) -> String {
        hex::encode(Sha256::digest(self.sql.as_bytes()))
    }

    pub fn label(&self) -> String {
        format!("{}/{:04}_{}", self.component, self.version, self.name)
    }

    /// The SQL as `dialect` runs it. A comment `/*sqlite: …*/` holds text only SQLite
    /// runs (such as `WITHOUT ROWID`): the one visible dialect branch of a migration, which
    /// PostgreSQL reads as a comment.
    fn sql_for(&self, dialect: Dialect) -> String {
        match dialect {
            Dialect::Postgres => self.sql.to_owned(),
            Dialect::Sqlite => {
                let mut out = String::with_capacity(self.sql.len());
                let mut rest = self.sql;
                while let Some(start) = rest.find("/*sqlite:") {
                    out.push_str(&rest[..start]);
                    let body = &rest[start + "/*sqlite:".len()..];
                    let Some(end) = body.find("*/") else {
                        out.push_str(&rest[start..]);
                        return out;
                    };
                    out.push_str(&body[..end]);
                    rest = &body[end + 2..];
                }
                out.push_str(rest);
                out
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("migration {0} was changed after it was applied; migrations are append-only")]
    Changed(String),
    #[error("migration {label} failed: {source}")]
    Failed { label: String, source: DbError },
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Serialises migrations of several nodes starting at once on PostgreSQL.
const PG_MIGRATION_LOCK: i64 = 0x7261_6d70_6172_7401;

const CREATE_LEDGER: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    PRIMARY KEY (component, version)
)";

/// Applies every migration not yet applied; returns the labels of those it applied.
pub async fn run(
    db: &Db,
    migrations: &[Migration],
    now: Timestamp,
) -> Result<Vec<String>, MigrateError> {
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    if db.dialect() == Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(PG_MIGRATION_LOCK)
            .execute(&mut *conn)
            .await
            .map_err(DbError::from)?;
    }
    let result = apply_all(db.dialect(), &mut conn, migrations, now).await;
    if db.dialect() == Dialect::Postgres {
        // Ending the session releases the lock too; the explicit unlock returns it sooner.
        let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(PG_MIGRATION_LOCK)
            .execute(&mut *conn)
            .await;
    }
    result
}

async fn apply_all(
    dialect: Dialect,
    conn: &mut PoolConnection<Any>,
    migrations: &[Migration],
    now: Timestamp,
) -> Result<Vec<String>, MigrateError> {
    sqlx::raw_sql(CREATE_LEDGER)
        .execute(&mut **conn)
        .await
        .map_err(DbError::from)?;
    let mut applied = Vec::new();
    for migration in migrations {
        // IMMEDIATE takes SQLite's write lock up front, so two processes cannot both decide
        // that a migration is missing.
        let begin = match dialect {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        };
        sqlx::raw_sql(begin)
            .execute(&mut **conn)
            .await
            .map_err(DbError::from)?;
        match apply_one(conn, dialect, migration, now).await {
            Ok(true) => {
                sqlx::raw_sql("COMMIT")
                    .execute(&mut **conn)
                    .await
                    .map_err(DbError::from)?;
                applied.push(migration.label());
            }
            Ok(false) => {
                sqlx::raw_sql("ROLLBACK")
                    .execute(&mut **conn)
                    .await
                    .map_err(DbError::from)?;
            }
            Err(err) => {
                if sqlx::raw_sql("ROLLBACK")
                    .execute(&mut **conn)
                    .await
                    .is_err()
                {
                    // A connection in an unknown state must not go back to the pool.
                    conn.close_on_drop();
                }
                return Err(err);
            }
        }
    }
    Ok(applied)
}

/// Applies one migration inside the open transaction; `false` when it was already applied.
async fn apply_one(
    conn: &mut PoolConnection<Any>,
    dialect: Dialect,
    migration: &Migration,
    now: Timestamp,
) -> Result<bool, MigrateError> {
    let checksum = migration.checksum();
    let existing =
        sqlx::query("SELECT checksum FROM schema_migrations WHERE component = $1 AND version = $2")
            .bind(migration.component)
            .bind(migration.version)
            .fetch_optional(&mut **conn)
            .await
            .map_err(DbError::from)?;
    if let Some(row) = existing {
        let stored: String = row.try_get("checksum").map_err(DbError::from)?;
        return if stored == checksum {
            Ok(false)
        } else {
            Err(MigrateError::Changed(migration.label()))
        };
    }
    let failed = |source: sqlx::Error| MigrateError::Failed {
        label: migration.label(),
        source: source.into(),
    };
    let sql = migration.sql_for(dialect);
    sqlx::raw_sql(&sql)
        .execute(&mut **conn)
        .await
        .map_err(failed)?;
    sqlx::query("INSERT INTO schema_migrations (component, version, name, checksum, applied_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(migration.component)
        .bind(migration.version)
        .bind(migration.name)
        .bind(checksum)
        .bind(now.as_millis())
        .execute(&mut **conn)
        .await
        .map_err(failed)?;
    Ok(true)
}

/// Labels of the migrations not yet applied, for `/readyz`.
pub async fn pending(db: &Db, migrations: &[Migration]) -> Result<Vec<String>, DbError> {
    let rows = sqlx::query("SELECT component, version FROM schema_migrations")
        .fetch_all(db.pool())
        .await?;
    let mut applied = std::collections::HashSet::new();
    for row in rows {
        let component: String = row.try_get("component")?;
        let version: i64 = row.try_get("version")?;
        applied.insert((component, version));
    }
    Ok(migrations
        .iter()
        .filter(|m| !applied.contains(&(m.component.to_owned(), m.version)))
        .map(Migration::label)
        .collect())
}

/// The platform's own migrations.
pub const PLATFORM: &[Migration] = &[
    Migration {
        component: "platform",
        version: 1,
        name: "leases",
        sql: include_str!("../../migrations/0001_leases.sql"),
    },
    Migration {
        component: "platform",
        version: 2,
        name: "master_key_check",
        sql: include_str!("../../migrations/0002_master_key_check.sql"),
    },
    Migration {
        component: "platform",
        version: 3,
        name: "outbox",
        sql: include_str!("../../migrations/0003_outbox.sql"),
    },
    Migration {
        component: "platform",
        version: 4,
        name: "idempotency",
        sql: include_str!("../../migrations/0004_idempotency.sql"),
    },
];

#[cfg(test)]
mod tests {
    use super::{Dialect, Migration};

    #[test]
    fn text_only_sqlite_runs_is_a_comment_elsewhere() {
        let migration = Migration {
            component: "t",
            version: 1,
            name: "t",
            sql: "CREATE TABLE a (x BIGINT PRIMARY KEY) /*sqlite: WITHOUT ROWID*/;\nCREATE TABLE b (y TEXT);",
        };
        assert_eq!(
            migration.sql_for(Dialect::Sqlite),
            "CREATE TABLE a (x BIGINT PRIMARY KEY)  WITHOUT ROWID;\nCREATE TABLE b (y TEXT);"
        );
        assert_eq!(migration.sql_for(Dialect::Postgres), migration.sql);
    }
}
