//! Whole `rampart serve` processes under concurrent audited reads: killed with `kill -9`, or
//! two of them appending to one database at once. Every answered read has its entry, the
//! indexes have no gaps, and the log verifies.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use platform::config::Secret;
use platform::db::Db;

use super::support::{Customer, customer, rampart_audit, text};
use crate::helpers::Node;
use crate::identity::support::spawn_with_mail;

/// Readers per node, each sending one audited read after another.
const READERS: usize = 24;

/// A tenant with a token, created by an in-process Rampart that is then stopped, so that
/// real processes can serve the same database and data directory.
async fn prepared() -> (crate::helpers::TestApp, Customer) {
    let mut app = spawn_with_mail().await;
    let c = customer(&app, "durable@example.com", &["access-log:read"]).await;
    app.app.stop().await;
    (app.app, c)
}

/// Sends audited reads to `node` from many tasks until `stop`; returns the request ids of
/// every read that was answered with its data.
fn load(
    node: SocketAddr,
    c: &Customer,
    answered: Arc<Mutex<HashSet<String>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let url = format!(
        "https://127.0.0.1:{}/api/v1/tokens/{}",
        node.port(),
        c.token_id
    );
    (0..READERS)
        .map(|_| {
            let (client, url, token) = (client.clone(), url.clone(), c.token.clone());
            let (answered, stop) = (answered.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let Ok(response) = client.get(&url).bearer_auth(&token).send().await else {
                        continue;
                    };
                    let id = response.headers()["x-request-id"]
                        .to_str()
                        .unwrap()
                        .to_owned();
                    if response.status() == 200 && response.bytes().await.is_ok() {
                        answered.lock().unwrap().insert(id);
                    }
                }
            })
        })
        .collect()
}

async fn recorded_request_ids(database_url: &str) -> (HashSet<String>, i64, i64, i64) {
    let db = Db::connect_url(
        &Secret::new(database_url.to_owned()),
        1,
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    let ids: Vec<(Option<String>,)> = sqlx::query_as("SELECT request_id FROM audit_entries")
        .fetch_all(db.pool())
        .await
        .unwrap();
    let (count, min, max): (i64, i64, i64) =
        sqlx::query_as("SELECT COUNT(*), MIN(idx), MAX(idx) FROM audit_entries")
            .fetch_one(db.pool())
            .await
            .unwrap();
    db.close().await;
    (
        ids.into_iter().filter_map(|(id,)| id).collect(),
        count,
        min,
        max,
    )
}

async fn wait_until_answered(answered: &Mutex<HashSet<String>>, at_least: usize) {
    let started = Instant::now();
    while answered.lock().unwrap().len() < at_least {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the node answered too few reads"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn after_kill_9_under_load_every_answered_read_has_its_entry_and_the_log_verifies() {
    let (app, c) = prepared().await;
    let dir = app.data_dir.path();
    let mut node = Node::start(dir, &app.database_url, &[]).await;
    node.ready().await;
    let answered = Arc::new(Mutex::new(HashSet::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers = load(node.public, &c, answered.clone(), stop.clone());
    wait_until_answered(&answered, 300).await;
    node.kill_9().await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for reader in readers {
        reader.await.unwrap();
    }
    let answered = answered.lock().unwrap().clone();

    let restarted = Node::start(dir, &app.database_url, &[]).await;
    restarted.ready().await;
    let (recorded, count, min, max) = recorded_request_ids(&app.database_url).await;
    let lost: Vec<&String> = answered.difference(&recorded).collect();
    assert!(
        lost.is_empty(),
        "{} answered reads have no entry: {lost:?}",
        lost.len()
    );
    assert_eq!((min, max), (0, count - 1), "indexes are gapless");
    drop(restarted);

    let verified = rampart_audit(&app, &["verify"]).await;
    assert!(verified.status.success(), "{}", text(&verified.stderr));
}

#[tokio::test]
async fn two_nodes_appending_to_one_database_keep_indexes_gapless_and_the_log_verifies() {
    let (app, c) = prepared().await;
    let dir = app.data_dir.path();
    let nodes = [
        Node::start(dir, &app.database_url, &[]).await,
        Node::start(dir, &app.database_url, &[]).await,
    ];
    for node in &nodes {
        node.ready().await;
    }
    let answered = Arc::new(Mutex::new(HashSet::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = load(nodes[0].public, &c, answered.clone(), stop.clone());
    readers.extend(load(nodes[1].public, &c, answered.clone(), stop.clone()));
    wait_until_answered(&answered, 600).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for reader in readers {
        reader.await.unwrap();
    }
    drop(nodes);

    let answered = answered.lock().unwrap().clone();
    let (recorded, count, min, max) = recorded_request_ids(&app.database_url).await;
    assert!(
        answered.is_subset(&recorded),
        "every answered read has its entry"
    );
    assert_eq!((min, max), (0, count - 1), "indexes are gapless");
    let verified = rampart_audit(&app, &["verify"]).await;
    assert!(verified.status.success(), "{}", text(&verified.stderr));
}
