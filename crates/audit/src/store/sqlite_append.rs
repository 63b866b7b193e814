//! Appending on SQLite through a connection of its own (rusqlite): the group-commit writer
//! of read entries on the database's SQLite thread, and features that write through that
//! thread or another plain connection (log-ins, bulk imports).
//!
//! Through the pool, every statement of a batch is a round trip to the connection's worker
//! thread and back to the async runtime, where the writer's task then waits its turn behind
//! every request's. Under load those waits, not the fsync, made up most of a batch's time,
//! and every reader waits for a batch. Here the whole transaction runs on the calling
//! thread. Entries recorded inside a feature's transaction through the pool go through
//! [`super::append::append`]; the connections take SQLite's write lock in turn.

use platform::db::DbError;
use rusqlite::{Connection, params};

use super::append::{leaves, right_edge};
use super::entries::{COLUMNS, resource_ids_text};
use super::{to_i64, to_u64};
use crate::model::entry::Draft;

/// Appends `drafts` (not empty) as consecutive entries in one transaction of their own and
/// returns the index of the first once it has committed.
pub fn append(conn: &mut Connection, drafts: Vec<Draft>) -> Result<u64, DbError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let first = append_in(&tx, drafts)?;
    tx.commit()?;
    Ok(first)
}

/// Appends `drafts` (not empty) inside the transaction open on `conn`, which must hold
/// SQLite's write lock (`BEGIN IMMEDIATE`): the entries commit with the caller's writes.
pub fn append_in(conn: &Connection, drafts: Vec<Draft>) -> Result<u64, DbError> {
    let count = drafts.len() as u64;
    let (size, stored): (i64, Option<Vec<u8>>) = conn
        .prepare_cached(
            "UPDATE audit_head SET tree_size = tree_size + ?1 WHERE id = 1 \
             RETURNING tree_size, frontier",
        )?
        .query_row([to_i64(count)], |row| Ok((row.get(0)?, row.get(1)?)))?;
    let first = to_u64(size) - count;
    let mut frontier = right_edge(first, stored.as_deref())?;
    {
        let mut insert = conn.prepare_cached(&format!(
            "INSERT INTO audit_entries ({COLUMNS}, tree_hashes) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
        ))?;
        for appended in leaves(first, &mut frontier, drafts) {
            let (entry, event) = (&appended.entry, &appended.entry.event);
            insert.execute(params![
                to_i64(entry.index),
                entry.time.as_millis(),
                event.actor.kind.as_str(),
                event.actor.id.as_str(),
                event.tenant_id.as_deref(),
                event.action.as_str(),
                event.resource_kind.as_str(),
                resource_ids_text(event),
                event.ticket_id.as_deref(),
                event.grant_id.as_deref(),
                event.outcome.as_str(),
                entry.request_id.as_deref(),
                entry.client_ip.as_deref(),
                event.details.as_deref(),
                appended.tree_hashes,
            ])?;
        }
    }
    conn.prepare_cached("UPDATE audit_head SET frontier = ?1 WHERE id = 1")?
        .execute([frontier.to_bytes()])?;
    Ok(first)
}
