//! The terms of an import's new contacts, staged in a table of the import's own until it
//! ends, then published to `vault_terms` in one sorted pass.
//!
//! A blind-index term is random, so inserting them one batch at a time touches a different
//! page of the index for nearly every term, and each commit rewrites thousands of pages.
//! Staged rows are appended instead; publishing them sorted writes each page of the
//! tenant's part of the index once. A table per import, dropped when published, costs
//! nothing to empty. Imports that stopped halfway are published at the next start.

use platform::db::{DbError, Dialect};

use super::{Conn, numbered, values_per_statement};

/// The staging table of an import, from its id (`imp_` and 32 hex digits): the only name
/// ever put into SQL text, so it is checked to be exactly that shape.
pub fn table_of(import_id: &str) -> Option<String> {
    let hex = import_id.strip_prefix("imp_")?;
    let plain = hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    plain.then(|| format!("vault_staged_{}", hex.to_ascii_lowercase()))
}

/// The import a staging table belongs to.
pub fn import_of(table: &str) -> Option<String> {
    let import_id = format!("imp_{}", table.strip_prefix("vault_staged_")?);
    table_of(&import_id).map(|_| import_id)
}

pub fn create_sql(table: &str) -> String {
    format!("CREATE TABLE {table} (term BIGINT NOT NULL, contact_id TEXT NOT NULL)")
}

/// Moves every staged term into the index, in key order, then drops the table.
pub fn publish_sql(table: &str) -> [String; 2] {
    [
        format!(
            "INSERT INTO vault_terms (term, contact_id) \
             SELECT term, contact_id FROM {table} ORDER BY term, contact_id \
             ON CONFLICT DO NOTHING"
        ),
        format!("DROP TABLE {table}"),
    ]
}

pub async fn create(conn: &mut Conn, table: &str) -> Result<(), DbError> {
    sqlx::query(&create_sql(table)).execute(conn).await?;
    Ok(())
}

pub async fn stage(conn: &mut Conn, table: &str, terms: &[(i64, &str)]) -> Result<(), DbError> {
    let per_statement = values_per_statement(conn) / 2;
    for chunk in terms.chunks(per_statement) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", numbered(1 + i * 2, 2)))
            .collect();
        let sql = format!(
            "INSERT INTO {table} (term, contact_id) VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (term, id) in chunk {
            query = query.bind(*term).bind(*id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn publish(conn: &mut Conn, table: &str) -> Result<(), DbError> {
    let [insert, drop] = publish_sql(table);
    sqlx::query(&insert).execute(&mut *conn).await?;
    sqlx::query(&drop).execute(conn).await?;
    Ok(())
}

/// Drops a staging table whose import no longer exists.
pub async fn drop(conn: &mut Conn, table: &str) -> Result<(), DbError> {
    sqlx::query(&format!("DROP TABLE {table}"))
        .execute(conn)
        .await?;
    Ok(())
}

/// Every staging table in the database.
pub async fn tables(conn: &mut Conn, dialect: Dialect) -> Result<Vec<String>, DbError> {
    let sql = match dialect {
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'vault_staged_%'"
        }
        Dialect::Postgres => {
            "SELECT CAST(tablename AS TEXT) FROM pg_tables WHERE tablename LIKE 'vault_staged_%'"
        }
    };
    let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(name,)| name).collect())
}

#[cfg(test)]
mod tests {
    use super::{import_of, table_of};

    #[test]
    fn only_an_import_id_of_the_exact_shape_names_a_table() {
        let id = "imp_0192f0c4a1b27c3d8e9f00112233aabb";
        let table = table_of(id).unwrap();
        assert_eq!(table, "vault_staged_0192f0c4a1b27c3d8e9f00112233aabb");
        assert_eq!(import_of(&table).as_deref(), Some(id));
        for bad in [
            "imp_x; DROP TABLE users",
            "imp_0192",
            "ctc_0192f0c4a1b27c3d8e9f00112233aabb",
            "",
        ] {
            assert_eq!(table_of(bad), None, "{bad}");
        }
    }
}
