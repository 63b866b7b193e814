//! The master key: generated once, private, reused; a different key refuses to start.

use platform::config::Secret;

use crate::helpers::{spawn_app, try_spawn_app_with};

#[tokio::test]
async fn the_first_start_generates_a_private_master_key_and_restarts_reuse_it() {
    let mut app = spawn_app().await;
    let data_dir = app.data_dir.path().join("data");
    let key_path = data_dir.join("master.key");
    let first_id = app
        .running
        .as_ref()
        .unwrap()
        .state
        .master_key
        .id()
        .to_owned();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let database_url = app.database_url.clone();
    app.stop().await;
    let again = try_spawn_app_with(move |c| {
        c.server.data_dir = data_dir;
        c.database.url = Some(Secret::new(database_url));
    })
    .await
    .unwrap();
    assert_eq!(
        again.running.as_ref().unwrap().state.master_key.id(),
        first_id
    );
}

#[tokio::test]
async fn a_different_master_key_refuses_to_start_with_a_clear_message() {
    let mut app = spawn_app().await;
    let database_url = app.database_url.clone();
    app.stop().await;
    let other_key = app.data_dir.path().join("other.key");
    std::fs::write(&other_key, "ab".repeat(32)).unwrap();
    let error = try_spawn_app_with(move |c| {
        c.database.url = Some(Secret::new(database_url));
        c.keys.master_key_file = Some(other_key);
    })
    .await
    .err()
    .expect("a node with the wrong master key must not start");
    let message = format!("{error:#}");
    assert!(
        message.contains("is not the one this database was created with"),
        "{message}"
    );
    assert!(message.contains("RAMPART_MASTER_KEY_FILE"), "{message}");
    assert!(
        !message.contains(&"ab".repeat(32)),
        "the key itself is never shown"
    );
}
