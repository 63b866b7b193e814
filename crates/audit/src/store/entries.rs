//! Entries as rows. The row holds every field of the entry; its canonical encoding is
//! recomputed from them, so a row changed behind Rampart's back no longer hashes to its leaf.

use futures_util::{Stream, TryStreamExt};
use platform::clock::Timestamp;
use platform::db::DbError;

use super::{Conn, placeholders, to_i64, to_u64};
use crate::model::entry::{Actor, ActorKind, Entry, Event, Outcome};

pub(super) const COLUMNS: &str = "idx, recorded_at, actor_kind, actor_id, tenant_id, action, \
    resource_kind, resource_ids, ticket_id, grant_id, outcome, request_id, client_ip, details";
/// The columns inserted: the entry's, then its tree hashes.
pub(super) const COLUMN_COUNT: usize = 15;

/// An entry as appended, with its leaf hash followed by the hashes of the subtrees its leaf
/// completes (level 1 upwards), concatenated.
pub struct Appended {
    pub entry: Entry,
    pub tree_hashes: Vec<u8>,
}

pub type Row = (
    i64,
    i64,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// A row that does not decode into an entry: someone changed it outside Rampart.
#[derive(Debug, Clone, thiserror::Error)]
#[error("entry {index} has an unreadable {field}")]
pub struct Unreadable {
    pub index: u64,
    pub field: &'static str,
}

pub fn entry_of(row: Row) -> Result<Entry, Unreadable> {
    let (
        idx,
        at,
        kind,
        actor_id,
        tenant_id,
        action,
        resource_kind,
        ids,
        ticket,
        grant,
        outcome,
        request_id,
        client_ip,
        details,
    ) = row;
    let index = to_u64(idx);
    let unreadable = |field| Unreadable { index, field };
    Ok(Entry {
        index,
        time: Timestamp::from_millis(at),
        event: Event {
            actor: Actor {
                kind: ActorKind::parse(&kind).ok_or_else(|| unreadable("actor kind"))?,
                id: actor_id,
            },
            tenant_id,
            action,
            resource_kind,
            resource_ids: serde_json::from_str(&ids).map_err(|_| unreadable("resource ids"))?,
            ticket_id: ticket,
            grant_id: grant,
            outcome: Outcome::parse(&outcome).ok_or_else(|| unreadable("outcome"))?,
            details,
        },
        request_id,
        client_ip,
    })
}

/// Inserts entries with their hashes.
/// How the `resource_ids` column holds a list of ids: a JSON array.
pub(super) fn resource_ids_text(event: &Event) -> String {
    serde_json::to_string(&event.resource_ids).unwrap_or_else(|_| "[]".into())
}

pub async fn insert(conn: &mut Conn, appended: &[Appended]) -> Result<(), DbError> {
    let sql = format!(
        "INSERT INTO audit_entries ({COLUMNS}, tree_hashes) VALUES {}",
        placeholders(appended.len(), COLUMN_COUNT)
    );
    let mut query = sqlx::query(&sql);
    for Appended { entry, tree_hashes } in appended {
        let event = &entry.event;
        query = query
            .bind(to_i64(entry.index))
            .bind(entry.time.as_millis())
            .bind(event.actor.kind.as_str())
            .bind(event.actor.id.as_str())
            .bind(event.tenant_id.as_deref())
            .bind(event.action.as_str())
            .bind(event.resource_kind.as_str())
            .bind(resource_ids_text(event))
            .bind(event.ticket_id.as_deref())
            .bind(event.grant_id.as_deref())
            .bind(event.outcome.as_str())
            .bind(entry.request_id.as_deref())
            .bind(entry.client_ip.as_deref())
            .bind(event.details.as_deref())
            .bind(tree_hashes.clone());
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// One entry, whatever its tenant; callers scope it.
pub async fn get(conn: &mut Conn, index: u64) -> Result<Option<Entry>, DbError> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audit_entries WHERE idx = $1"
    ))
    .bind(to_i64(index))
    .fetch_optional(&mut *conn)
    .await?;
    row.map(entry_of).transpose().map_err(unreadable)
}

/// Which entries of a tenant to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor_kind: Option<ActorKind>,
    pub action: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Only entries with an index below this one (the cursor of the page before).
    pub before: Option<u64>,
}

pub async fn list_for_tenant(
    conn: &mut Conn,
    tenant_id: &str,
    filter: &Filter,
    limit: u32,
) -> Result<Vec<Entry>, DbError> {
    let mut sql = format!("SELECT {COLUMNS} FROM audit_entries WHERE tenant_id = $1");
    let mut n = 1;
    let mut clause = |sql: &mut String, condition: &str| {
        n += 1;
        sql.push_str(&format!(" AND {condition} ${n}"));
    };
    if filter.actor_kind.is_some() {
        clause(&mut sql, "actor_kind =");
    }
    if filter.action.is_some() {
        clause(&mut sql, "action =");
    }
    if filter.since.is_some() {
        clause(&mut sql, "recorded_at >=");
    }
    if filter.until.is_some() {
        clause(&mut sql, "recorded_at <");
    }
    if filter.before.is_some() {
        clause(&mut sql, "idx <");
    }
    sql.push_str(&format!(" ORDER BY idx DESC LIMIT {limit}"));
    let mut query = sqlx::query_as::<_, Row>(&sql).bind(tenant_id);
    if let Some(kind) = filter.actor_kind {
        query = query.bind(kind.as_str());
    }
    if let Some(action) = &filter.action {
        query = query.bind(action.as_str());
    }
    if let Some(since) = filter.since {
        query = query.bind(since.as_millis());
    }
    if let Some(until) = filter.until {
        query = query.bind(until.as_millis());
    }
    if let Some(before) = filter.before {
        query = query.bind(to_i64(before));
    }
    let rows = query.fetch_all(&mut *conn).await?;
    rows.into_iter()
        .map(entry_of)
        .collect::<Result<_, _>>()
        .map_err(unreadable)
}

/// A tenant's rows recorded at or after `since`, in index order, for export.
pub fn stream_for_tenant<'c>(
    conn: &'c mut Conn,
    tenant_id: &'c str,
    since: Timestamp,
) -> impl Stream<Item = Result<Row, DbError>> + 'c {
    sqlx::query_as::<_, Row>(&SELECT_FOR_TENANT)
        .bind(tenant_id)
        .bind(since.as_millis())
        .fetch(conn)
        .map_err(DbError::from)
}

static SELECT_FOR_TENANT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM audit_entries WHERE tenant_id = $1 AND recorded_at >= $2 \
         ORDER BY idx"
    )
});

fn unreadable(err: Unreadable) -> DbError {
    DbError::Other(sqlx::Error::Decode(Box::new(err)))
}
