//! `rampart audit verify` and `rampart audit export` on a real log.

use platform::config::Secret;
use platform::db::Db;

use super::support::{access_log, api_get, checkpoint_of_at_least, customer, rampart_audit, text};
use crate::identity::support::spawn_with_mail;

async fn db(url: &str) -> Db {
    Db::connect_url(
        &Secret::new(url.to_owned()),
        1,
        std::time::Duration::from_secs(10),
    )
    .await
    .unwrap()
}

async fn execute(url: &str, sql: &str) {
    let db = db(url).await;
    sqlx::query(sql).execute(db.pool()).await.unwrap();
    db.close().await;
}

#[tokio::test]
async fn verify_passes_on_an_untouched_log_and_names_a_changed_or_deleted_entry() {
    let mut app = spawn_with_mail().await;
    let c = customer(&app, "verify@example.com", &["access-log:read"]).await;
    for _ in 0..5 {
        api_get(
            &app.app,
            &format!("/api/v1/tokens/{}", c.token_id),
            &c.token,
        )
        .await;
    }
    let size = access_log(&app.app, &c.token, "").await[0]["index"]
        .as_u64()
        .unwrap()
        + 1;
    checkpoint_of_at_least(&app.app, &c.token, size).await;
    app.app.stop().await;
    let url = app.app.database_url.clone();

    let clean = rampart_audit(&app.app, &["verify"]).await;
    assert!(clean.status.success(), "{}", text(&clean.stderr));
    assert!(
        text(&clean.stdout).starts_with("the audit log verifies:"),
        "{}",
        text(&clean.stdout)
    );

    let target = size / 2;
    let (action,): (String,) = sqlx::query_as("SELECT action FROM audit_entries WHERE idx = $1")
        .bind(target as i64)
        .fetch_one(db(&url).await.pool())
        .await
        .unwrap();
    let changed = format!("{}x", &action[..action.len() - 1]);
    execute(
        &url,
        &format!("UPDATE audit_entries SET action = '{changed}' WHERE idx = {target}"),
    )
    .await;
    let tampered = rampart_audit(&app.app, &["verify"]).await;
    assert!(!tampered.status.success());
    assert!(
        text(&tampered.stderr).contains(&format!("entry {target} does not match")),
        "{}",
        text(&tampered.stderr)
    );

    execute(
        &url,
        &format!("UPDATE audit_entries SET action = '{action}' WHERE idx = {target}"),
    )
    .await;
    assert!(rampart_audit(&app.app, &["verify"]).await.status.success());

    execute(
        &url,
        &format!("DELETE FROM audit_entries WHERE idx = {}", target + 1),
    )
    .await;
    let deleted = rampart_audit(&app.app, &["verify"]).await;
    assert!(!deleted.status.success());
    assert!(
        text(&deleted.stderr).contains(&format!("entry {} is missing", target + 1)),
        "{}",
        text(&deleted.stderr)
    );
}

#[tokio::test]
async fn export_writes_a_tenants_entries_as_json_lines_and_csv_and_is_itself_logged() {
    let mut app = spawn_with_mail().await;
    let c = customer(&app, "export@example.com", &["access-log:read"]).await;
    let other = customer(&app, "other@example.com", &["access-log:read"]).await;
    api_get(
        &app.app,
        &format!("/api/v1/tokens/{}", c.token_id),
        &c.token,
    )
    .await;
    let listed = access_log(&app.app, &c.token, "").await;
    app.app.stop().await;

    let out = app.app.data_dir.path().join("export.jsonl");
    let exported = rampart_audit(
        &app.app,
        &[
            "export",
            "--tenant",
            &c.tenant_id,
            "--format",
            "jsonl",
            "--output",
            out.to_str().unwrap(),
        ],
    )
    .await;
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= listed.len());
    assert!(lines.iter().all(|e| e["tenant_id"] == c.tenant_id.as_str()));
    assert!(
        lines
            .iter()
            .all(|e| e["tenant_id"] != other.tenant_id.as_str())
    );
    for entry in &listed {
        assert!(lines.contains(entry), "{entry} is exported");
    }

    let csv = rampart_audit(
        &app.app,
        &[
            "export",
            "--tenant",
            &c.tenant_id,
            "--format",
            "csv",
            "--since",
            "2000-01-01T00:00:00Z",
        ],
    )
    .await;
    assert!(csv.status.success(), "{}", text(&csv.stderr));
    let csv = text(&csv.stdout);
    assert!(csv.starts_with("index,time,time_ms,actor_kind"));
    // The first export is in the log now, as a system action on the tenant.
    assert!(csv.contains("audit.export"), "{csv}");

    let future = rampart_audit(
        &app.app,
        &[
            "export",
            "--tenant",
            &c.tenant_id,
            "--since",
            "2999-01-01T00:00:00Z",
        ],
    )
    .await;
    assert!(future.status.success());
    assert!(text(&future.stdout).is_empty());
    let bad = rampart_audit(
        &app.app,
        &["export", "--tenant", &c.tenant_id, "--since", "last week"],
    )
    .await;
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("RFC 3339"));
}
