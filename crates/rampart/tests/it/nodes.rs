//! Whole `rampart serve` processes: several nodes on one database, `kill -9`, restarts.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use platform::config::Secret;
use platform::db::Db;

use crate::helpers::{Node, fresh_database_url};

/// Two node folders under `dir`, and the master key file they share, as operators configure
/// nodes of one database.
fn two_node_dirs(dir: &Path) -> (PathBuf, PathBuf, String) {
    let (dir_a, dir_b) = (dir.join("a"), dir.join("b"));
    std::fs::create_dir_all(&dir_a).unwrap();
    std::fs::create_dir_all(&dir_b).unwrap();
    let key = dir.join("shared-master.key");
    std::fs::write(&key, "5a".repeat(32)).unwrap();
    (dir_a, dir_b, key.to_str().unwrap().to_owned())
}

async fn exactly_one_holder(a: &Node, b: &Node) -> Option<usize> {
    for _ in 0..100 {
        let (held_a, held_b) = (a.holds_lease().await, b.holds_lease().await);
        assert!(!(held_a && held_b), "both nodes hold the lease");
        if held_a != held_b {
            return Some(if held_a { 0 } else { 1 });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

#[tokio::test]
async fn two_nodes_share_one_lease_and_the_survivor_takes_it_after_a_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url(dir.path()).await;
    let (dir_a, dir_b, key) = two_node_dirs(dir.path());
    let key_env = [("RAMPART_MASTER_KEY_FILE", key.as_str())];
    let mut nodes = vec![
        Node::start(&dir_a, &database_url, &key_env).await,
        Node::start(&dir_b, &database_url, &key_env).await,
    ];
    nodes[0].ready().await;
    nodes[1].ready().await;
    let holder = exactly_one_holder(&nodes[0], &nodes[1])
        .await
        .expect("no node took the lease");
    // It stays with one node while both live.
    for _ in 0..10 {
        assert_eq!(exactly_one_holder(&nodes[0], &nodes[1]).await, Some(holder));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut killed = nodes.remove(holder);
    killed.kill_9().await;
    let survivor = &nodes[0];
    let started = Instant::now();
    while !survivor.holds_lease().await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the survivor did not take the lease within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_node_stopped_by_sigterm_exits_cleanly_and_hands_the_lease_over_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url(dir.path()).await;
    let (dir_a, dir_b, key) = two_node_dirs(dir.path());
    let slow_lease = [
        ("RAMPART_JOBS__LEASE_TTL_MS", "60000"),
        ("RAMPART_JOBS__LEASE_RENEW_MS", "200"),
        ("RAMPART_MASTER_KEY_FILE", key.as_str()),
    ];
    let mut first = Node::start(&dir_a, &database_url, &slow_lease).await;
    first.ready().await;
    while !first.holds_lease().await {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let second = Node::start(&dir_b, &database_url, &slow_lease).await;
    second.ready().await;
    let pid = first.child.id().unwrap().to_string();
    let status = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(30), first.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "SIGTERM should end rampart cleanly: {exit}");
    // Released on the way out: the survivor need not wait the 60 s the lease would last.
    let started = Instant::now();
    while !second.holds_lease().await {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the lease was not released on shutdown"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn kill_9_while_writing_then_restart_opens_the_database_and_applies_no_migration_twice() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url(dir.path()).await;
    // Renewing every 50 ms keeps the node writing; kills land during start-up, during
    // migrations and during renewals.
    let busy = [
        ("RAMPART_JOBS__LEASE_TTL_MS", "200"),
        ("RAMPART_JOBS__LEASE_RENEW_MS", "50"),
    ];
    for delay_ms in [0, 30, 80, 150, 400, 900] {
        let mut node = Node::start(dir.path(), &database_url, &busy).await;
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        node.kill_9().await;
    }
    let node = Node::start(dir.path(), &database_url, &busy).await;
    let ready = node.ready().await;
    assert_eq!(ready["checks"]["migrations"], "ok");
    let db = Db::connect_url(&Secret::new(database_url), 1, Duration::from_secs(5))
        .await
        .unwrap();
    let migrations = rampart::app::migrations();
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT component, version FROM schema_migrations ORDER BY component, version",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert_eq!(
        rows.len(),
        migrations.len(),
        "each migration recorded exactly once: {rows:?}"
    );
    if db.dialect() == platform::db::Dialect::Sqlite {
        let (integrity,): (String,) = sqlx::query_as("PRAGMA integrity_check")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(integrity, "ok");
    }
}

#[tokio::test]
async fn the_first_start_prints_the_certificate_fingerprint_and_later_starts_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url(dir.path()).await;
    let mut first = Node::start(dir.path(), &database_url, &[]).await;
    first.ready().await;
    let printed = first.printed_banner().await;
    let line = printed
        .lines()
        .find(|l| l.starts_with("SHA-256 fingerprint: "))
        .expect("fingerprint printed at first start");
    let fingerprint = line.trim_start_matches("SHA-256 fingerprint: ").to_owned();
    assert_eq!(fingerprint.len(), 32 * 3 - 1);
    first.kill_9().await;
    let again = Node::start(dir.path(), &database_url, &[]).await;
    again.ready().await;
    let printed = again.printed_banner().await;
    assert!(
        !printed.contains("SHA-256 fingerprint: "),
        "printed again: {printed}"
    );
    assert!(
        printed.contains(&fingerprint),
        "the same certificate is logged as served"
    );
}
