//! Encryption at rest: the database holds none of a contact's personal fields in plaintext,
//! a rotated master key leaves every contact readable, and a wrong one refuses to start.

use platform::config::Secret;
use serde_json::json;

use super::support::create_contact;
use crate::audit::support::{api_get, customer, text};
use crate::helpers::{rampart_command, try_spawn_app_with};
use crate::identity::support::spawn_with_mail;

const ALL: &[&str] = &["contacts:read", "contacts:write", "access-log:read"];

const KNOWN: [&str; 5] = [
    "Ottoline Quenby",
    "+442079461234",
    "ottoline.quenby@example.com",
    "allergic to marzipan",
    "quenby",
];

/// Every byte of the database: the SQLite file and its write-ahead log, or a `pg_dump`.
fn database_bytes(database_url: &str) -> Vec<u8> {
    if database_url.starts_with("postgres") {
        let output = std::process::Command::new(pg_dump())
            .arg("--data-only")
            .arg(database_url)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", text(&output.stderr));
        return output.stdout;
    }
    let file = database_url
        .strip_prefix("sqlite://")
        .unwrap()
        .split('?')
        .next()
        .unwrap();
    let mut bytes = std::fs::read(file).unwrap();
    bytes.extend(std::fs::read(format!("{file}-wal")).unwrap_or_default());
    assert!(bytes.len() > 4096, "the database files were found");
    bytes
}

fn pg_dump() -> std::path::PathBuf {
    let mut found: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| {
            dirs.flatten()
                .map(|d| d.path().join("bin/pg_dump"))
                .filter(|p| p.exists())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.pop().unwrap_or_else(|| "pg_dump".into())
}

#[tokio::test]
async fn the_database_holds_no_contact_name_phone_email_or_notes_in_plaintext() {
    let mut app = spawn_with_mail().await;
    let c = customer(&app, "atrest@example.com", ALL).await;
    create_contact(
        &app.app,
        &c.token,
        json!({"name": KNOWN[0], "phones": [KNOWN[1]], "emails": [KNOWN[2]], "notes": KNOWN[3]}),
    )
    .await;
    let (status, found) = api_get(
        &app.app,
        "/api/v1/contacts?q=quenby&phone=%2B442079461234",
        &c.token,
    )
    .await;
    assert_eq!((status, found["items"].as_array().unwrap().len()), (200, 1));
    let url = app.app.database_url.clone();
    app.app.stop().await;
    let bytes = database_bytes(&url);
    let lower = String::from_utf8_lossy(&bytes).to_lowercase();
    for value in KNOWN {
        assert!(
            !lower.contains(&value.to_lowercase()),
            "{value:?} is in the database in plaintext"
        );
    }
    assert!(
        lower.contains("atrest@example.com"),
        "the check can see plaintext: the account's own email is stored plainly"
    );
}

#[tokio::test]
async fn rotating_the_master_key_leaves_every_contact_readable() {
    let mut app = spawn_with_mail().await;
    let a = customer(&app, "rotate-a@example.com", ALL).await;
    let b = customer(&app, "rotate-b@example.com", ALL).await;
    let ada = create_contact(
        &app.app,
        &a.token,
        json!({"name": "Ada", "phones": ["+442079460001"]}),
    )
    .await;
    let bea = create_contact(
        &app.app,
        &b.token,
        json!({"name": "Bea", "emails": ["bea@example.com"]}),
    )
    .await;
    let dir = app.app.data_dir.path().to_owned();
    let data_dir = dir.join("data");
    let url = app.app.database_url.clone();
    let old_key = std::fs::read_to_string(data_dir.join("master.key")).unwrap();
    app.app.stop().await;

    let output = rampart_command(&dir)
        .args(["keys", "rotate"])
        .env("RAMPART_DATABASE__URL", &url)
        .env("RAMPART_SERVER__DATA_DIR", &data_dir)
        .env("RAMPART_LOG__LEVEL", "warn")
        .output()
        .await
        .unwrap();
    let printed = text(&output.stdout);
    assert!(output.status.success(), "{printed}{}", text(&output.stderr));
    assert!(printed.contains("2 data keys re-wrapped"), "{printed}");
    let new_key = std::fs::read_to_string(data_dir.join("master.key")).unwrap();
    assert_ne!(new_key, old_key);
    assert!(!printed.contains(new_key.trim()) && !printed.contains(old_key.trim()));

    let again = try_spawn_app_with({
        let (data_dir, url) = (data_dir.clone(), url.clone());
        move |c| {
            c.server.data_dir = data_dir;
            c.database.url = Some(Secret::new(url));
        }
    })
    .await
    .unwrap();
    for (token, contact) in [(&a.token, &ada), (&b.token, &bea)] {
        let id = contact["id"].as_str().unwrap();
        let (status, read) = api_get(&again, &format!("/api/v1/contacts/{id}"), token).await;
        assert_eq!(status, 200, "{read}");
        assert_eq!(&read, contact);
    }
    let (_, found) = api_get(&again, "/api/v1/contacts?phone=%2B442079460001", &a.token).await;
    assert_eq!(
        found["items"][0]["name"], "Ada",
        "blind indexes survive the rotation"
    );
}

#[tokio::test]
async fn a_wrong_master_key_refuses_to_start_with_a_clear_message() {
    let mut app = spawn_with_mail().await;
    let a = customer(&app, "wrongkey@example.com", ALL).await;
    create_contact(&app.app, &a.token, json!({"name": "Ada"})).await;
    let url = app.app.database_url.clone();
    app.app.stop().await;
    let other = app.app.data_dir.path().join("other.key");
    std::fs::write(&other, "cd".repeat(32)).unwrap();
    let error = try_spawn_app_with(move |c| {
        c.database.url = Some(Secret::new(url));
        c.keys.master_key_file = Some(other);
    })
    .await
    .err()
    .expect("a node with the wrong master key must not start");
    let message = format!("{error:#}");
    assert!(message.contains("RAMPART_MASTER_KEY_FILE"), "{message}");
    assert!(!message.contains(&"cd".repeat(32)));
}
