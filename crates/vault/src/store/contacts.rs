//! Contacts and their blind-index terms. Rows hold sealed personal fields; nothing here
//! sees plaintext.

use platform::db::DbError;

use super::{Conn, numbered, values_per_statement};
use crate::model::contact::OPT_OUT_BITS;

/// A contact as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub id: String,
    pub sealed: Vec<u8>,
    /// A JSON array of tags.
    pub tags: String,
    pub channels: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

type Row = (String, Vec<u8>, String, i64, i64, i64);

const COLUMNS: &str = "id, sealed, tags, channels, created_at, updated_at";

fn record((id, sealed, tags, channels, created_at, updated_at): Row) -> ContactRow {
    ContactRow {
        id,
        sealed,
        tags,
        channels,
        created_at,
        updated_at,
    }
}

/// What a page of contacts is filtered by.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Terms every contact returned has.
    pub terms: Vec<i64>,
    pub opted_out: Option<bool>,
}

pub async fn insert(
    conn: &mut Conn,
    tenant_id: &str,
    row: &ContactRow,
    terms: &[i64],
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO vault_contacts (id, tenant_id, sealed, tags, channels, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&row.id)
    .bind(tenant_id)
    .bind(&row.sealed)
    .bind(&row.tags)
    .bind(row.channels)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(&mut *conn)
    .await?;
    insert_terms(conn, &row.id, terms).await
}

/// Inserts many contacts in a few statements; their terms are the caller's (an import
/// stages them, see `staging`).
pub async fn insert_rows(
    conn: &mut Conn,
    tenant_id: &str,
    rows: &[&ContactRow],
) -> Result<(), DbError> {
    let per_statement = values_per_statement(conn) / 6;
    for chunk in rows.chunks(per_statement) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let n = 2 + i * 6;
                format!(
                    "(${}, $1, ${}, ${}, ${}, ${}, ${})",
                    n,
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO vault_contacts (id, tenant_id, sealed, tags, channels, created_at, \
             updated_at) VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(tenant_id);
        for row in chunk {
            query = query
                .bind(&row.id)
                .bind(&row.sealed)
                .bind(&row.tags)
                .bind(row.channels)
                .bind(row.created_at)
                .bind(row.updated_at);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Adds terms of a contact the caller has read in its tenant.
pub async fn insert_terms(conn: &mut Conn, contact_id: &str, terms: &[i64]) -> Result<(), DbError> {
    let per_statement = values_per_statement(conn) / 3;
    for chunk in terms.chunks(per_statement) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, $1)", i + 2))
            .collect();
        let sql = format!(
            "INSERT INTO vault_terms (term, contact_id) VALUES {} \
             ON CONFLICT DO NOTHING",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(contact_id);
        for term in chunk {
            query = query.bind(*term);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Removes terms of a contact the caller has read in its tenant.
pub async fn delete_terms(conn: &mut Conn, contact_id: &str, terms: &[i64]) -> Result<(), DbError> {
    let per_statement = values_per_statement(conn) / 3;
    for chunk in terms.chunks(per_statement) {
        let sql = format!(
            "DELETE FROM vault_terms WHERE contact_id = $1 AND term IN ({})",
            numbered(2, chunk.len())
        );
        let mut query = sqlx::query(&sql).bind(contact_id);
        for term in chunk {
            query = query.bind(*term);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn get(
    conn: &mut Conn,
    tenant_id: &str,
    id: &str,
) -> Result<Option<ContactRow>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM vault_contacts WHERE tenant_id = $1 AND id = $2");
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(record))
}

/// A contact read to be changed; `for_update` locks its row until the transaction ends
/// (PostgreSQL; SQLite's single writer needs no lock).
pub async fn get_for_update(
    conn: &mut Conn,
    tenant_id: &str,
    id: &str,
    for_update: bool,
) -> Result<Option<ContactRow>, DbError> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let sql =
        format!("SELECT {COLUMNS} FROM vault_contacts WHERE tenant_id = $1 AND id = $2{lock}");
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(record))
}

/// The contacts of `ids` that belong to the tenant, in no particular order.
pub async fn get_many(
    conn: &mut Conn,
    tenant_id: &str,
    ids: &[String],
) -> Result<Vec<ContactRow>, DbError> {
    let mut rows = Vec::with_capacity(ids.len());
    let per_statement = values_per_statement(conn);
    for chunk in ids.chunks(per_statement) {
        let sql = format!(
            "SELECT {COLUMNS} FROM vault_contacts WHERE tenant_id = $1 AND id IN ({})",
            numbered(2, chunk.len())
        );
        let mut query = sqlx::query_as::<_, Row>(&sql).bind(tenant_id);
        for id in chunk {
            query = query.bind(id);
        }
        rows.extend(query.fetch_all(&mut *conn).await?.into_iter().map(record));
    }
    Ok(rows)
}

/// Rewrites a contact's row; whether it existed.
pub async fn update(conn: &mut Conn, tenant_id: &str, row: &ContactRow) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE vault_contacts SET sealed = $1, tags = $2, channels = $3, updated_at = $4 \
         WHERE tenant_id = $5 AND id = $6",
    )
    .bind(&row.sealed)
    .bind(&row.tags)
    .bind(row.channels)
    .bind(row.updated_at)
    .bind(tenant_id)
    .bind(&row.id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes a contact and the terms given (its own, recomputed by the caller).
pub async fn delete(
    conn: &mut Conn,
    tenant_id: &str,
    id: &str,
    terms: &[i64],
) -> Result<bool, DbError> {
    delete_terms(conn, id, terms).await?;
    let done = sqlx::query("DELETE FROM vault_contacts WHERE tenant_id = $1 AND id = $2")
        .bind(tenant_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Up to `limit` contacts of the tenant matching `filter`, in id order, after `after`.
pub async fn page(
    conn: &mut Conn,
    tenant_id: &str,
    filter: &Filter,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<ContactRow>, DbError> {
    let mut sql = format!("SELECT {COLUMNS} FROM vault_contacts WHERE tenant_id = $1");
    let mut next = 2;
    if after.is_some() {
        sql.push_str(&format!(" AND id > ${next}"));
        next += 1;
    }
    match filter.opted_out {
        Some(true) => sql.push_str(&format!(" AND (channels & {OPT_OUT_BITS}) <> 0")),
        Some(false) => sql.push_str(&format!(" AND (channels & {OPT_OUT_BITS}) = 0")),
        None => {}
    }
    for _ in &filter.terms {
        sql.push_str(&format!(
            " AND id IN (SELECT contact_id FROM vault_terms WHERE term = ${next})"
        ));
        next += 1;
    }
    sql.push_str(&format!(" ORDER BY id LIMIT ${next}"));
    let mut query = sqlx::query_as::<_, Row>(&sql).bind(tenant_id);
    if let Some(after) = after {
        query = query.bind(after);
    }
    for term in &filter.terms {
        query = query.bind(*term);
    }
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = query.bind(limit).fetch_all(conn).await?;
    Ok(rows.into_iter().map(record).collect())
}

/// Which contacts of the tenant have any of `terms`: (term, contact id) pairs.
pub async fn having_terms(
    conn: &mut Conn,
    tenant_id: &str,
    terms: &[i64],
) -> Result<Vec<(i64, String)>, DbError> {
    let mut found = Vec::new();
    let per_statement = values_per_statement(conn) / 3;
    for chunk in terms.chunks(per_statement) {
        let sql = format!(
            "SELECT t.term, t.contact_id FROM vault_terms t JOIN vault_contacts c \
             ON c.tenant_id = $1 AND c.id = t.contact_id WHERE t.term IN ({})",
            numbered(2, chunk.len())
        );
        let mut query = sqlx::query_as::<_, (i64, String)>(&sql).bind(tenant_id);
        for term in chunk {
            query = query.bind(*term);
        }
        found.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(found)
}

/// Whether the tenant has any contact at all.
pub async fn any(conn: &mut Conn, tenant_id: &str) -> Result<bool, DbError> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM vault_contacts WHERE tenant_id = $1 LIMIT 1")
            .bind(tenant_id)
            .fetch_optional(conn)
            .await?;
    Ok(row.is_some())
}
