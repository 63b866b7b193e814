//! The tree's complete nodes, written once when they complete and read by proofs.

use std::collections::HashMap;

use platform::db::DbError;

use super::{Conn, placeholders, to_i64, to_u64};
use crate::model::merkle::{Hash, NodeId};

pub async fn insert(conn: &mut Conn, nodes: &[(NodeId, Hash)]) -> Result<(), DbError> {
    let sql = format!(
        "INSERT INTO audit_nodes (level, idx, hash) VALUES {}",
        placeholders(nodes.len(), 3)
    );
    let mut query = sqlx::query(&sql);
    for (id, hash) in nodes {
        query = query
            .bind(i32::from(id.level))
            .bind(to_i64(id.index))
            .bind(hash.to_vec());
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// The hashes of `ids`, in one round trip; a missing node is an error, since every node a
/// proof asks for is complete and was stored when it completed.
pub async fn get_many(conn: &mut Conn, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, DbError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = String::from("SELECT level, idx, hash FROM audit_nodes WHERE ");
    for i in 0..ids.len() {
        if i > 0 {
            sql.push_str(" OR ");
        }
        sql.push_str(&format!(
            "(level = ${} AND idx = ${})",
            2 * i + 1,
            2 * i + 2
        ));
    }
    let mut query = sqlx::query_as::<_, (i32, i64, Vec<u8>)>(&sql);
    for id in ids {
        query = query.bind(i32::from(id.level)).bind(to_i64(id.index));
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let mut found = HashMap::with_capacity(rows.len());
    for (level, idx, hash) in rows {
        let id = NodeId {
            level: u8::try_from(level).unwrap_or(u8::MAX),
            index: to_u64(idx),
        };
        let hash = Hash::try_from(hash.as_slice()).map_err(|_| corrupt(id))?;
        found.insert(id, hash);
    }
    if let Some(missing) = ids.iter().find(|id| !found.contains_key(id)) {
        return Err(corrupt(*missing));
    }
    Ok(found)
}

/// The stored leaf hashes of `[from, to)`, in order, to find which entry no longer matches.
pub async fn leaves(conn: &mut Conn, from: u64, to: u64) -> Result<Vec<(u64, Vec<u8>)>, DbError> {
    let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT idx, hash FROM audit_nodes WHERE level = 0 AND idx >= $1 AND idx < $2 ORDER BY idx",
    )
    .bind(to_i64(from))
    .bind(to_i64(to))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(i, h)| (to_u64(i), h)).collect())
}

fn corrupt(id: NodeId) -> DbError {
    DbError::Other(sqlx::Error::Protocol(format!(
        "the audit tree node at level {} index {} is missing or damaged; run `rampart audit verify`",
        id.level, id.index
    )))
}
