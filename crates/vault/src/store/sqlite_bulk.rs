//! Bulk writes on an SQLite file through a connection of its own (rusqlite): the import's
//! fast path. The same rows as `contacts` and `imports` write through the pool, in SQLite's
//! own dialect, with cached statements; a whole batch runs on one thread in one
//! transaction, which the caller commits with its audit entry.

use std::path::Path;

use rusqlite::{Connection, Transaction, TransactionBehavior, params};

use super::contacts::ContactRow;
use super::imports::Counts;
use crate::service::VaultError;

/// The page cache of the import's connection, in KiB. Batches only append, so a small
/// cache serves them; SQLite's sorter, which orders the staged terms when they are
/// published, takes as much again before it spills to temporary files. Twice this size
/// published no faster and held 16 MiB more.
const CACHE_KIB: i64 = 8 * 1024;

pub struct SqliteBulk {
    conn: Connection,
}

/// A rusqlite error as a vault error: its text names SQL, never values.
pub fn db_error(err: rusqlite::Error) -> VaultError {
    VaultError::Storage(err.to_string())
}

impl SqliteBulk {
    /// Opens the database file with the pool's durability (write-ahead log, a full fsync at
    /// each commit, a busy timeout to queue behind other writers) and a cache of its own: a
    /// long import runs beside the database's SQLite thread, not on it.
    pub fn open(path: &Path) -> Result<Self, VaultError> {
        let conn = platform::db::open_sqlite(path).map_err(db_error)?;
        conn.pragma_update(None, "cache_size", -CACHE_KIB)
            .map_err(db_error)?;
        Ok(Self { conn })
    }

    /// A write transaction, holding SQLite's write lock from the start.
    pub fn begin(&mut self) -> Result<Transaction<'_>, VaultError> {
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_error)
    }

    pub fn having_terms(
        tx: &Connection,
        tenant_id: &str,
        terms: &[i64],
    ) -> Result<Vec<(i64, String)>, VaultError> {
        let mut query = tx
            .prepare_cached(
                "SELECT t.contact_id FROM vault_terms t JOIN vault_contacts c \
                 ON c.tenant_id = ?1 AND c.id = t.contact_id WHERE t.term = ?2",
            )
            .map_err(db_error)?;
        let mut found = Vec::new();
        for term in terms {
            let ids = query
                .query_map(params![tenant_id, term], |row| row.get::<_, String>(0))
                .map_err(db_error)?;
            for id in ids {
                found.push((*term, id.map_err(db_error)?));
            }
        }
        Ok(found)
    }

    pub fn get_many(
        tx: &Connection,
        tenant_id: &str,
        ids: &[String],
    ) -> Result<Vec<ContactRow>, VaultError> {
        let mut query = tx
            .prepare_cached(
                "SELECT id, sealed, tags, channels, created_at, updated_at FROM vault_contacts \
                 WHERE tenant_id = ?1 AND id = ?2",
            )
            .map_err(db_error)?;
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            let found = query
                .query_map(params![tenant_id, id], |row| {
                    Ok(ContactRow {
                        id: row.get(0)?,
                        sealed: row.get(1)?,
                        tags: row.get(2)?,
                        channels: row.get(3)?,
                        created_at: row.get(4)?,
                        updated_at: row.get(5)?,
                    })
                })
                .map_err(db_error)?;
            for row in found {
                rows.push(row.map_err(db_error)?);
            }
        }
        Ok(rows)
    }

    pub fn insert_rows(
        tx: &Connection,
        tenant_id: &str,
        rows: &[&ContactRow],
    ) -> Result<(), VaultError> {
        let mut contact = tx
            .prepare_cached(
                "INSERT INTO vault_contacts (id, tenant_id, sealed, tags, channels, created_at, \
                 updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(db_error)?;
        for row in rows {
            contact
                .execute(params![
                    row.id,
                    tenant_id,
                    row.sealed,
                    row.tags,
                    row.channels,
                    row.created_at,
                    row.updated_at
                ])
                .map_err(db_error)?;
        }
        Ok(())
    }

    /// Appends terms to an import's staging table (`staging::table_of`).
    pub fn stage(tx: &Connection, table: &str, terms: &[(i64, &str)]) -> Result<(), VaultError> {
        let mut insert = tx
            .prepare_cached(&format!(
                "INSERT INTO {table} (term, contact_id) VALUES (?1, ?2)"
            ))
            .map_err(db_error)?;
        for (term, id) in terms {
            insert.execute(params![term, id]).map_err(db_error)?;
        }
        Ok(())
    }

    pub fn create_staging(&mut self, table: &str) -> Result<(), VaultError> {
        self.conn
            .execute(&super::staging::create_sql(table), [])
            .map_err(db_error)?;
        Ok(())
    }

    /// Publishes an import's staged terms in one transaction (see `staging`).
    pub fn publish(&mut self, table: &str) -> Result<(), VaultError> {
        let tx = self.begin()?;
        let [insert, drop] = super::staging::publish_sql(table);
        tx.execute(&insert, []).map_err(db_error)?;
        tx.execute(&drop, []).map_err(db_error)?;
        tx.commit().map_err(db_error)
    }

    fn insert_terms(tx: &Connection, terms: &[(i64, &str)]) -> Result<(), VaultError> {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO vault_terms (term, contact_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            )
            .map_err(db_error)?;
        for (term, id) in terms {
            insert.execute(params![term, id]).map_err(db_error)?;
        }
        Ok(())
    }

    /// Rewrites a contact, dropping the terms it lost and adding those it gained.
    pub fn update(
        tx: &Connection,
        tenant_id: &str,
        row: &ContactRow,
        removed: &[i64],
        added: &[i64],
    ) -> Result<(), VaultError> {
        tx.prepare_cached(
            "UPDATE vault_contacts SET sealed = ?1, tags = ?2, channels = ?3, updated_at = ?4 \
             WHERE tenant_id = ?5 AND id = ?6",
        )
        .map_err(db_error)?
        .execute(params![
            row.sealed,
            row.tags,
            row.channels,
            row.updated_at,
            tenant_id,
            row.id
        ])
        .map_err(db_error)?;
        let mut delete = tx
            .prepare_cached("DELETE FROM vault_terms WHERE term = ?1 AND contact_id = ?2")
            .map_err(db_error)?;
        for term in removed {
            delete.execute(params![term, row.id]).map_err(db_error)?;
        }
        let added: Vec<(i64, &str)> = added.iter().map(|t| (*t, row.id.as_str())).collect();
        Self::insert_terms(tx, &added)
    }

    pub fn progress(
        tx: &Connection,
        import_id: &str,
        counts: Counts,
        rejections: &[(u64, String)],
        now: i64,
    ) -> Result<(), VaultError> {
        tx.prepare_cached(
            "UPDATE vault_imports SET rows_read = ?1, created = ?2, updated = ?3, unchanged = ?4, \
             rejected = ?5, updated_at = ?6 WHERE id = ?7",
        )
        .map_err(db_error)?
        .execute(params![
            counts.rows_read,
            counts.created,
            counts.updated,
            counts.unchanged,
            counts.rejected,
            now,
            import_id
        ])
        .map_err(db_error)?;
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO vault_import_rejections (import_id, line, reason) VALUES (?1, ?2, ?3) \
                 ON CONFLICT DO NOTHING",
            )
            .map_err(db_error)?;
        for (line, reason) in rejections {
            let line = i64::try_from(*line).unwrap_or(i64::MAX);
            insert
                .execute(params![import_id, line, reason])
                .map_err(db_error)?;
        }
        Ok(())
    }
}
