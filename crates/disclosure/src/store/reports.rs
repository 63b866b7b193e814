//! Reports: what the researcher sent, where the report stands, its dates and its credit.

use platform::db::{DbError, Dialect};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Conn;

/// A report as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRecord {
    pub id: String,
    pub title: String,
    pub class: String,
    pub affected: String,
    pub impact: String,
    pub steps: String,
    pub proof_of_concept: String,
    pub cvss_v3: Option<String>,
    pub cvss_v3_tenths: Option<i64>,
    pub cvss_v4: Option<String>,
    pub cvss_v4_tenths: Option<i64>,
    pub state: String,
    pub severity: Option<String>,
    pub duplicate_of: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub reporter_user_id: Option<String>,
    pub reporter_token_id: Option<String>,
    pub credit: bool,
    pub credit_organisation: Option<String>,
    pub credit_link: Option<String>,
    pub show_email: bool,
    pub show_organisation: bool,
    pub show_link: bool,
    pub submitted_at: i64,
    pub first_response_at: Option<i64>,
    pub triaged_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub fixed_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub disclosed_at: Option<i64>,
    pub disclose_on: Option<i64>,
    pub fix_target: Option<String>,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, title, class, affected, impact, steps, proof_of_concept, cvss_v3, \
    cvss_v3_tenths, cvss_v4, cvss_v4_tenths, state, severity, duplicate_of, reporter_name, \
    reporter_email, reporter_user_id, reporter_token_id, credit, credit_organisation, \
    credit_link, show_email, show_organisation, show_link, submitted_at, first_response_at, \
    triaged_at, accepted_at, fixed_at, resolved_at, closed_at, disclosed_at, disclose_on, \
    fix_target, updated_at";

fn record(row: &AnyRow) -> Result<ReportRecord, sqlx::Error> {
    let flag = |name: &str| row.try_get::<i64, _>(name).map(|v| v != 0);
    Ok(ReportRecord {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        class: row.try_get("class")?,
        affected: row.try_get("affected")?,
        impact: row.try_get("impact")?,
        steps: row.try_get("steps")?,
        proof_of_concept: row.try_get("proof_of_concept")?,
        cvss_v3: row.try_get("cvss_v3")?,
        cvss_v3_tenths: row.try_get("cvss_v3_tenths")?,
        cvss_v4: row.try_get("cvss_v4")?,
        cvss_v4_tenths: row.try_get("cvss_v4_tenths")?,
        state: row.try_get("state")?,
        severity: row.try_get("severity")?,
        duplicate_of: row.try_get("duplicate_of")?,
        reporter_name: row.try_get("reporter_name")?,
        reporter_email: row.try_get("reporter_email")?,
        reporter_user_id: row.try_get("reporter_user_id")?,
        reporter_token_id: row.try_get("reporter_token_id")?,
        credit: flag("credit")?,
        credit_organisation: row.try_get("credit_organisation")?,
        credit_link: row.try_get("credit_link")?,
        show_email: flag("show_email")?,
        show_organisation: flag("show_organisation")?,
        show_link: flag("show_link")?,
        submitted_at: row.try_get("submitted_at")?,
        first_response_at: row.try_get("first_response_at")?,
        triaged_at: row.try_get("triaged_at")?,
        accepted_at: row.try_get("accepted_at")?,
        fixed_at: row.try_get("fixed_at")?,
        resolved_at: row.try_get("resolved_at")?,
        closed_at: row.try_get("closed_at")?,
        disclosed_at: row.try_get("disclosed_at")?,
        disclose_on: row.try_get("disclose_on")?,
        fix_target: row.try_get("fix_target")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn records(rows: &[AnyRow]) -> Result<Vec<ReportRecord>, DbError> {
    rows.iter()
        .map(|row| record(row).map_err(DbError::from))
        .collect()
}

pub async fn insert(
    conn: &mut Conn,
    report: &ReportRecord,
    tracking_hash: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO disclosure_reports (id, title, class, affected, impact, steps, \
         proof_of_concept, cvss_v3, cvss_v3_tenths, cvss_v4, cvss_v4_tenths, state, \
         reporter_name, reporter_email, reporter_user_id, reporter_token_id, tracking_hash, \
         credit, show_email, show_organisation, show_link, submitted_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, 0, 0, 0, $19, $19)",
    )
    .bind(&report.id)
    .bind(&report.title)
    .bind(&report.class)
    .bind(&report.affected)
    .bind(&report.impact)
    .bind(&report.steps)
    .bind(&report.proof_of_concept)
    .bind(&report.cvss_v3)
    .bind(report.cvss_v3_tenths)
    .bind(&report.cvss_v4)
    .bind(report.cvss_v4_tenths)
    .bind(&report.state)
    .bind(&report.reporter_name)
    .bind(&report.reporter_email)
    .bind(&report.reporter_user_id)
    .bind(&report.reporter_token_id)
    .bind(tracking_hash)
    .bind(i64::from(report.credit))
    .bind(report.submitted_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks the report's row until the transaction ends, so read-modify-write changes of one
/// report run one after the other. PostgreSQL only: an SQLite transaction already holds the
/// database's write lock from its start (`BEGIN IMMEDIATE`).
pub async fn lock(conn: &mut Conn, dialect: Dialect, id: &str) -> Result<(), DbError> {
    if dialect == Dialect::Postgres {
        sqlx::query("SELECT id FROM disclosure_reports WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(conn)
            .await?;
    }
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &str) -> Result<Option<ReportRecord>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM disclosure_reports WHERE id = $1"
    ))
    .bind(id)
    .fetch_all(conn)
    .await?;
    Ok(records(&rows)?.into_iter().next())
}

/// The report a tracking link opens, by the SHA-256 of its secret.
pub async fn by_tracking_hash(
    conn: &mut Conn,
    hash: &str,
) -> Result<Option<ReportRecord>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM disclosure_reports WHERE tracking_hash = $1"
    ))
    .bind(hash)
    .fetch_all(conn)
    .await?;
    Ok(records(&rows)?.into_iter().next())
}

/// Every report, newest first, for the team's queue.
pub async fn all(conn: &mut Conn, limit: i64) -> Result<Vec<ReportRecord>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM disclosure_reports ORDER BY submitted_at DESC, id DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    records(&rows)
}

/// Reports in the given states (for the clocks, the Hall of Fame and advisories).
pub async fn in_states(conn: &mut Conn, states: &[&str]) -> Result<Vec<ReportRecord>, DbError> {
    if states.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=states.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM disclosure_reports WHERE state IN ({}) \
         ORDER BY submitted_at, id",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for state in states {
        query = query.bind(*state);
    }
    let rows = query.fetch_all(conn).await?;
    records(&rows)
}

/// Writes back everything the team and the lifecycle change.
pub async fn update(conn: &mut Conn, report: &ReportRecord) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE disclosure_reports SET state = $2, severity = $3, duplicate_of = $4, \
         cvss_v3 = $5, cvss_v3_tenths = $6, cvss_v4 = $7, cvss_v4_tenths = $8, \
         first_response_at = $9, triaged_at = $10, accepted_at = $11, fixed_at = $12, \
         resolved_at = $13, closed_at = $14, disclosed_at = $15, disclose_on = $16, \
         fix_target = $17, credit = $18, credit_organisation = $19, credit_link = $20, \
         show_email = $21, show_organisation = $22, show_link = $23, reporter_name = $24, \
         updated_at = $25 WHERE id = $1",
    )
    .bind(&report.id)
    .bind(&report.state)
    .bind(&report.severity)
    .bind(&report.duplicate_of)
    .bind(&report.cvss_v3)
    .bind(report.cvss_v3_tenths)
    .bind(&report.cvss_v4)
    .bind(report.cvss_v4_tenths)
    .bind(report.first_response_at)
    .bind(report.triaged_at)
    .bind(report.accepted_at)
    .bind(report.fixed_at)
    .bind(report.resolved_at)
    .bind(report.closed_at)
    .bind(report.disclosed_at)
    .bind(report.disclose_on)
    .bind(&report.fix_target)
    .bind(i64::from(report.credit))
    .bind(&report.credit_organisation)
    .bind(&report.credit_link)
    .bind(i64::from(report.show_email))
    .bind(i64::from(report.show_organisation))
    .bind(i64::from(report.show_link))
    .bind(&report.reporter_name)
    .bind(report.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the tracking link's hash (`None` revokes it).
pub async fn set_tracking_hash(
    conn: &mut Conn,
    id: &str,
    hash: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query("UPDATE disclosure_reports SET tracking_hash = $2 WHERE id = $1")
        .bind(id)
        .bind(hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Reports submitted from `since` on by the same address or token, for the rate limit.
pub async fn count_since_by_token(
    conn: &mut Conn,
    token_id: &str,
    since: i64,
) -> Result<i64, DbError> {
    let (count,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM disclosure_reports WHERE reporter_token_id = $1 AND submitted_at >= $2",
    )
    .bind(token_id)
    .bind(since)
    .fetch_one(conn)
    .await?;
    Ok(count)
}

/// Open reports last escalated before `before` (or never), for the overdue emails.
pub async fn escalation_candidates(
    conn: &mut Conn,
    open_states: &[&str],
    before: i64,
) -> Result<Vec<String>, DbError> {
    let placeholders: Vec<String> = (2..open_states.len() + 2)
        .map(|n| format!("${n}"))
        .collect();
    let sql = format!(
        "SELECT id FROM disclosure_reports WHERE (escalated_at IS NULL OR escalated_at < $1) \
         AND state IN ({}) ORDER BY submitted_at",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, (String,)>(&sql).bind(before);
    for state in open_states {
        query = query.bind(*state);
    }
    Ok(query
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|(id,)| id)
        .collect())
}

pub async fn set_escalated(conn: &mut Conn, id: &str, at: i64) -> Result<(), DbError> {
    sqlx::query("UPDATE disclosure_reports SET escalated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}
